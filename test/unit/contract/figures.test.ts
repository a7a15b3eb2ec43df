// core/contract/figures.ts: one reading of daemon.metrics becomes the rows
// every view shows (plugd status, plugd top, the dashboard, Prometheus).

import test from 'ava';
import type { DaemonMetrics } from '../../../core/contract/daemon.js';
import { errorCount, figuresOf } from '../../../core/contract/figures.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');

const common = {
  isolation: 'thread',
  activation: 'eager',
  channel: 'sab',
  crashWindowMs: 60_000,
  methods: [] as string[],
} as const;

const METRICS: DaemonMetrics = {
  daemon: {
    pid: 1,
    version: 'v',
    socket: 's',
    pluginDir: 'p',
    rss: 100,
    heapUsed: 50,
    eventLoopDelayMs: { p50: 1, p99: 7, max: 9 },
    uptime: 12,
  },
  methods: {},
  plugins: {
    // Out of order on purpose: the rows come by name.
    idle: {
      ...common,
      state: 'ready',
      paused: false,
      restarts: 0,
      heap: { used: 1, limit: 2 },
      eventLoopUtilization: 0,
      calls: 0,
      inFlight: 0,
      errors: {},
      callsPerSecond: 0,
      rateHistory: [],
      latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    },
    echo: {
      ...common,
      methods: ['echo.say'],
      state: 'ready',
      paused: false,
      restarts: 1,
      heap: { used: 1, limit: 2 },
      eventLoopUtilization: 0.5,
      readySince: new Date(NOW - 1000).toISOString(),
      lastError: 'boom',
      lastErrorAt: new Date(NOW - 5000).toISOString(),
      calls: 10,
      inFlight: 1,
      errors: { '-32603': 2, '-32001': 1 },
      callsPerSecond: 3,
      rateHistory: [1, 3],
      latencyMs: { p50: 1, p90: 2, p99: 4, max: 5 },
    },
  },
};

test('the figures take every number from one call of daemon.metrics, rows by name', (t) => {
  const figures = figuresOf(METRICS, NOW);
  t.is(figures.takenAt, NOW);
  t.deepEqual(
    figures.plugins.map((row) => row.name),
    ['echo', 'idle'],
  );
  t.like(figures.plugins[0], {
    name: 'echo',
    restarts: 1,
    calls: 10,
    errors: 3,
    p99Ms: 4,
    readySince: NOW - 1000,
    lastError: 'boom',
    lastErrorAt: NOW - 5000,
    rateHistory: [1, 3],
    crashWindowMs: 60_000,
    methods: ['echo.say'],
  });
  t.like(figures.plugins[1], { name: 'idle', p99Ms: undefined, rateHistory: [] });
  t.like(figures.daemon, { pid: 1, version: 'v', uptime: 12, rss: 100, eventLoopDelayP99Ms: 7 });
});

test("the daemon's calls/s and errors are its rows' together", (t) => {
  const { daemon } = figuresOf(METRICS, NOW);
  t.is(daemon.callsPerSecond, 3);
  t.is(daemon.errors, 3);
  t.is(errorCount({ '-32603': 2, '-32001': 1, '-32005': 4 }), 7);
  t.is(errorCount({}), 0);
});
