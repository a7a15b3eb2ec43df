// The snapshot the CLI renders, joined from one call of daemon.metrics.

import test from 'ava';
import { snapshotOf, type DaemonMetrics } from '../../../core/cli/daemon-snapshot.js';
import { NOW } from '../../fixtures/cli/figures.js';

test('the snapshot takes every figure from one call of daemon.metrics', (t) => {
  const figures = { isolation: 'thread', activation: 'eager', channel: 'sab', crashWindowMs: 60_000 } as const;
  const metrics: DaemonMetrics = {
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
      echo: {
        ...figures,
        state: 'ready',
        paused: false,
        restarts: 1,
        heap: { used: 1, limit: 2 },
        eventLoopUtilization: 0.5,
        readySince: new Date(NOW - 1000).toISOString(),
        lastError: 'boom',
        calls: 10,
        inFlight: 1,
        errors: { '-32603': 2, '-32001': 1 },
        callsPerSecond: 3,
        rateHistory: [1, 3],
        latencyMs: { p50: 1, p90: 2, p99: 4, max: 5 },
      },
      idle: {
        ...figures,
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
    },
  };
  const joined = snapshotOf(metrics, NOW);
  t.like(joined.plugins[0], {
    name: 'echo',
    restarts: 1,
    calls: 10,
    errors: 3,
    p99Ms: 4,
    readySince: NOW - 1000,
    lastError: 'boom',
    rateHistory: [1, 3],
    crashWindowMs: 60_000,
  });
  t.like(joined.plugins[1], { name: 'idle', p99Ms: undefined, rateHistory: [] });
  t.like(joined.daemon, { pid: 1, version: 'v', uptime: 12, rss: 100, eventLoopDelayP99Ms: 7 });
});
