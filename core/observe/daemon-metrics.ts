// The answer of `daemon.metrics`: everything `plugd status`, `plugd top` and
// the dashboard show, in one call. The call figures come from Metrics, the
// state of each plugin from the host; calls in flight are the host's count
// (the calls its workers owe answers to), the one Prometheus publishes too.

import type { PluginStatus } from '../contract/plugin-status.js';
import type { DaemonMetrics, PluginMetrics } from '../contract/daemon.js';
import type { Metrics } from './metrics.js';

export interface MetricsSources {
  daemon: Pick<DaemonMetrics['daemon'], 'version' | 'socket' | 'pluginDir'>;
  startedAt: number;
  calls: Metrics;
  plugins: PluginStatus[];
  crashWindowMs(plugin: string): number;
}

export function daemonMetrics(sources: MetricsSources): DaemonMetrics {
  const { calls } = sources;
  const memory = process.memoryUsage();
  const plugins = Object.fromEntries(
    sources.plugins.map((plugin): [string, PluginMetrics] => [
      plugin.name,
      {
        ...calls.plugin(plugin.name),
        state: plugin.state,
        activation: plugin.activation,
        paused: plugin.paused,
        restarts: plugin.restarts,
        heap: plugin.heap,
        eventLoopUtilization: plugin.eventLoopUtilization,
        loops: plugin.loops,
        isolation: plugin.isolation,
        channel: plugin.channel,
        readySince: plugin.readySince,
        lastError: plugin.lastError,
        lastErrorAt: plugin.lastErrorAt,
        nextRestartAt: plugin.nextRestartAt,
        inFlight: plugin.inFlight,
        methods: plugin.methods,
        crashWindowMs: sources.crashWindowMs(plugin.name),
      },
    ]),
  );
  return {
    daemon: {
      pid: process.pid,
      ...sources.daemon,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      eventLoopDelayMs: calls.eventLoopDelayMs(),
      uptime: (Date.now() - sources.startedAt) / 1000,
    },
    methods: calls.allMethods(),
    plugins,
  };
}
