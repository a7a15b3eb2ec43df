// The figures `plugd status` and `plugd top` show, read in one call of
// `daemon.metrics` (core/daemon-metrics.ts), shaped for the views.

import type { PluginState } from '../contract/plugin-status.js';
import type { DaemonMetrics } from '../contract/daemon.js';
import type { RpcClient } from './client.js';

export type { DaemonMetrics } from '../contract/daemon.js';

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
  /** A restart within this window of its restart policy still counts as a crash loop. */
  crashWindowMs: number;
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
  /** 'thread' or 'process'. */
  isolation: string;
  /** 'eager', or 'onCall': started at its first call, idle between. */
  activation: string;
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

export function snapshotOf(metrics: DaemonMetrics, takenAt: number): Snapshot {
  const plugins = Object.entries(metrics.plugins)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, figures]): PluginFigures => ({
      name,
      state: figures.state,
      paused: figures.paused,
      restarts: figures.restarts,
      readySince: epoch(figures.readySince),
      lastError: figures.lastError,
      nextRestartAt: epoch(figures.nextRestartAt),
      crashWindowMs: figures.crashWindowMs,
      calls: figures.calls,
      callsPerSecond: figures.callsPerSecond,
      rateHistory: figures.rateHistory,
      p99Ms: figures.calls > 0 ? figures.latencyMs.p99 : undefined,
      errors: Object.values(figures.errors).reduce((sum, count) => sum + count, 0),
      inFlight: figures.inFlight,
      heap: figures.heap,
      eventLoopUtilization: figures.eventLoopUtilization,
      isolation: figures.isolation,
      activation: figures.activation,
    }));
  const { daemon } = metrics;
  return {
    takenAt,
    daemon: {
      pid: daemon.pid,
      version: daemon.version,
      uptime: daemon.uptime,
      rss: daemon.rss,
      eventLoopDelayP99Ms: daemon.eventLoopDelayMs.p99,
      socket: daemon.socket,
      pluginDir: daemon.pluginDir,
    },
    plugins,
  };
}

export async function takeSnapshot(client: RpcClient): Promise<Snapshot> {
  return snapshotOf(await client.call<DaemonMetrics>('daemon.metrics'), Date.now());
}
