// One plugin as every view shows it: `plugd status`, `plugd top` (and its
// `--json`), the dashboard's page and Prometheus all read `PluginRow`, made
// here from one `daemon.metrics` answer, so they show the same numbers. The
// verdicts on a row (its shown state, trouble, a heap near its limit) are in
// verdicts.ts. Pure, with type-only imports: the page bundles it.

import type { DaemonMetrics, PluginMetrics } from './daemon.js';
import type { PluginStatus } from './plugin-status.js';

/** One plugin's figures; times are epoch ms. */
export interface PluginRow {
  name: string;
  state: PluginStatus['state'];
  paused: boolean;
  activation: PluginStatus['activation'];
  isolation: PluginStatus['isolation'];
  channel: PluginStatus['channel'];
  methods: string[];
  restarts: number;
  readySince?: number;
  lastError?: string;
  lastErrorAt?: number;
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
}

/** The daemon's line above the rows. */
export interface DaemonFigures {
  pid: number;
  version: string;
  /** Seconds. */
  uptime: number;
  rss: number;
  eventLoopDelayP99Ms: number;
  socket: string;
  pluginDir: string;
  /** The rows' calls/s together. */
  callsPerSecond: number;
  /** The rows' errors together. */
  errors: number;
}

/** One reading of `daemon.metrics`, as the views show it. */
export interface Figures {
  /** Epoch ms when it was read: "now" for the views. */
  takenAt: number;
  daemon: DaemonFigures;
  /** By name. */
  plugins: PluginRow[];
}

/** Errors answered, all codes together. */
export function errorCount(errors: Record<string, number>): number {
  return Object.values(errors).reduce((sum, count) => sum + count, 0);
}

const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export function pluginRow(name: string, metrics: PluginMetrics): PluginRow {
  return {
    name,
    state: metrics.state,
    paused: metrics.paused,
    activation: metrics.activation,
    isolation: metrics.isolation,
    channel: metrics.channel,
    methods: metrics.methods,
    restarts: metrics.restarts,
    readySince: epoch(metrics.readySince),
    lastError: metrics.lastError,
    lastErrorAt: epoch(metrics.lastErrorAt),
    nextRestartAt: epoch(metrics.nextRestartAt),
    crashWindowMs: metrics.crashWindowMs,
    calls: metrics.calls,
    callsPerSecond: metrics.callsPerSecond,
    rateHistory: metrics.rateHistory,
    p99Ms: metrics.calls > 0 ? metrics.latencyMs.p99 : undefined,
    errors: errorCount(metrics.errors),
    inFlight: metrics.inFlight,
    heap: metrics.heap,
    eventLoopUtilization: metrics.eventLoopUtilization,
  };
}

export function figuresOf(metrics: DaemonMetrics, takenAt: number): Figures {
  const plugins = Object.entries(metrics.plugins)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, figures]) => pluginRow(name, figures));
  const sum = (figure: (plugin: PluginRow) => number) => plugins.reduce((all, plugin) => all + figure(plugin), 0);
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
      callsPerSecond: sum((plugin) => plugin.callsPerSecond),
      errors: sum((plugin) => plugin.errors),
    },
    plugins,
  };
}
