// What the dashboard shows each second, shaped from the daemon's own views
// (`daemon.metrics` and `plugins.list`): one object for the page, and a point
// per plugin for its 10-minute charts.

import type { PluginStatus } from '../contract/plugin-status.js';
import type { DaemonMetrics } from '../contract/daemon.js';

/** What the feed reads from the daemon. */
export interface FigureSource {
  metrics(): DaemonMetrics;
  plugins(): PluginStatus[];
  /** The TCP listener's HOST:PORT. */
  tcp(): string | undefined;
}

export interface PluginRow extends PluginStatus {
  callsPerSecond: number;
  rateHistory: number[];
  p99Ms: number;
  calls: number;
  /** Errors answered since the daemon started, all codes together. */
  errors: number;
}

export interface LiveFigures {
  /** Milliseconds since the epoch, when taken. */
  t: number;
  daemon: {
    pid: number;
    version: string;
    uptime: number;
    rss: number;
    eventLoopDelayMs: number;
    callsPerSecond: number;
    errors: number;
    tcp?: string;
  };
  plugins: PluginRow[];
}

/** One second of a plugin's chart. */
export interface ChartPoint {
  t: number;
  rate: number;
  p99: number;
  errors: number;
}

const total = (errors: Record<string, number>) => Object.values(errors).reduce((sum, count) => sum + count, 0);

export function takeFigures(source: FigureSource): LiveFigures {
  const metrics = source.metrics();
  const plugins = source.plugins().map((plugin): PluginRow => {
    const stats = metrics.plugins[plugin.name];
    return {
      ...plugin,
      callsPerSecond: stats?.callsPerSecond ?? 0,
      rateHistory: stats?.rateHistory ?? [],
      p99Ms: stats?.latencyMs.p99 ?? 0,
      calls: stats?.calls ?? 0,
      errors: stats ? total(stats.errors) : 0,
    };
  });
  const sum = (figure: (plugin: PluginRow) => number) => plugins.reduce((all, plugin) => all + figure(plugin), 0);
  return {
    t: Date.now(),
    daemon: {
      pid: metrics.daemon.pid,
      version: metrics.daemon.version,
      uptime: metrics.daemon.uptime,
      tcp: source.tcp(),
      rss: metrics.daemon.rss,
      eventLoopDelayMs: metrics.daemon.eventLoopDelayMs.p99,
      callsPerSecond: sum((plugin) => plugin.callsPerSecond),
      errors: sum((plugin) => plugin.errors),
    },
    plugins,
  };
}
