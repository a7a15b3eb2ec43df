// The figures `plugd status` and `plugd top` show, read in one go: the call
// and resource figures from `daemon.metrics` (so the views agree with it),
// joined with what only `plugins.list` and `daemon.status` know (since when a
// plugin serves, its last error, the daemon's pid and version).

import type { PluginState, PluginStatus } from '../channel/protocol.js';
import type { StatsView } from '../metrics.js';
import type { RpcClient } from './client.js';

/** One plugin in the answer of `daemon.metrics` (core/daemon.ts). */
type PluginMetrics = Pick<PluginStatus, 'state' | 'paused' | 'restarts' | 'heap' | 'eventLoopUtilization'> & StatsView;

/** The answer of `daemon.metrics`. */
export interface DaemonMetrics {
  daemon: { rss: number; heapUsed: number; eventLoopDelayMs: { p50: number; p99: number; max: number }; uptime: number };
  methods: Record<string, StatsView>;
  plugins: Record<string, PluginMetrics>;
}

/** The part of `daemon.status` the views use. */
interface DaemonStatus {
  pid: number;
  version: string;
  socket: string;
  pluginDir: string;
}

export interface PluginFigures {
  name: string;
  state: PluginState;
  paused: boolean;
  restarts: number;
  /** Epoch ms. */
  readySince?: number;
  lastError?: string;
  /** Epoch ms. */
  nextRestartAt?: number;
  calls: number;
  callsPerSecond: number;
  /** calls/s over the last seconds, newest last. */
  rateHistory: number[];
  /** Absent until the plugin has answered a call. */
  p99Ms?: number;
  /** Calls answered with an error, whatever the code. */
  errors: number;
  inFlight: number;
  heap?: { used: number; limit: number };
  eventLoopUtilization?: number;
}

export interface DaemonFigures {
  pid: number;
  version: string;
  uptime: number;
  rss: number;
  eventLoopDelayP99Ms: number;
  socket: string;
  pluginDir: string;
}

export interface Snapshot {
  /** Epoch ms when it was read: "now" for the views. */
  takenAt: number;
  daemon: DaemonFigures;
  /** By name. */
  plugins: PluginFigures[];
}

const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export function joinSnapshot(status: DaemonStatus, list: PluginStatus[], metrics: DaemonMetrics, takenAt: number): Snapshot {
  const listed = new Map(list.map((plugin) => [plugin.name, plugin]));
  const plugins = Object.entries(metrics.plugins)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, figures]): PluginFigures => {
      const details = listed.get(name);
      return {
        name,
        state: figures.state,
        paused: figures.paused,
        restarts: figures.restarts,
        readySince: epoch(details?.readySince),
        lastError: details?.lastError,
        nextRestartAt: epoch(details?.nextRestartAt),
        calls: figures.calls,
        callsPerSecond: figures.callsPerSecond,
        rateHistory: figures.rateHistory,
        p99Ms: figures.calls > 0 ? figures.latencyMs.p99 : undefined,
        errors: Object.values(figures.errors).reduce((sum, count) => sum + count, 0),
        inFlight: figures.inFlight,
        heap: figures.heap,
        eventLoopUtilization: figures.eventLoopUtilization,
      };
    });
  const { daemon } = metrics;
  return {
    takenAt,
    daemon: {
      pid: status.pid,
      version: status.version,
      uptime: daemon.uptime,
      rss: daemon.rss,
      eventLoopDelayP99Ms: daemon.eventLoopDelayMs.p99,
      socket: status.socket,
      pluginDir: status.pluginDir,
    },
    plugins,
  };
}

export async function takeSnapshot(client: RpcClient): Promise<Snapshot> {
  const [status, list, metrics] = await Promise.all([
    client.call<DaemonStatus>('daemon.status'),
    client.call<PluginStatus[]>('plugins.list'),
    client.call<DaemonMetrics>('daemon.metrics'),
  ]);
  return joinSnapshot(status, list, metrics, Date.now());
}
