// The Prometheus endpoint (`metrics: "127.0.0.1:9464"`): prom-client renders
// the figures the core already keeps, read at scrape time, so serving it costs
// nothing on the call path. One series per method or plugin, labelled by name.
// A plugin's series are its row (core/contract/figures.ts), as `plugd top` and
// the dashboard show it, with its errors by code besides.

import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { DaemonMetrics } from '../contract/daemon.js';
import { pluginRow } from '../contract/figures.js';
import { isServing } from '../contract/verdicts.js';

export interface PrometheusExport {
  contentType: string;
  /** The text exposition format, with every series read fresh. */
  render(): Promise<string>;
}

/** `read` answers `daemon.metrics`. */
export function createPrometheusExport(read: () => DaemonMetrics): PrometheusExport {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plugd_' });

  const calls = new Counter({
    name: 'plugd_calls_total',
    help: 'Calls answered',
    labelNames: ['method'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'plugd_call_errors_total',
    help: 'Calls answered with an error, by code',
    labelNames: ['method', 'code'],
    registers: [registry],
  });
  const latency = new Gauge({
    name: 'plugd_call_latency_seconds',
    help: 'Call latency percentiles since start',
    labelNames: ['method', 'quantile'],
    registers: [registry],
  });
  const pluginCalls = new Counter({
    name: 'plugd_plugin_calls_total',
    help: 'Calls answered by a plugin',
    labelNames: ['plugin'],
    registers: [registry],
  });
  const pluginErrors = new Counter({
    name: 'plugd_plugin_call_errors_total',
    help: 'Plugin calls answered with an error, by code',
    labelNames: ['plugin', 'code'],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'plugd_plugin_calls_in_flight',
    help: 'Calls in flight to a plugin',
    labelNames: ['plugin'],
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'plugd_plugin_restarts_total',
    help: 'Restarts after a crash',
    labelNames: ['plugin'],
    registers: [registry],
  });
  const up = new Gauge({
    name: 'plugd_plugin_up',
    help: '1 when the plugin serves, 0 otherwise',
    labelNames: ['plugin', 'state'],
    registers: [registry],
  });
  const heapUsed = new Gauge({
    name: 'plugd_plugin_heap_used_bytes',
    help: "The plugin worker's heap in use",
    labelNames: ['plugin'],
    registers: [registry],
  });
  const heapLimit = new Gauge({
    name: 'plugd_plugin_heap_limit_bytes',
    help: "The plugin worker's heap limit",
    labelNames: ['plugin'],
    registers: [registry],
  });
  const utilisation = new Gauge({
    name: 'plugd_plugin_event_loop_utilization',
    help: "The plugin worker's event-loop utilisation (0..1)",
    labelNames: ['plugin'],
    registers: [registry],
  });

  // Every series is rebuilt from the core's figures at scrape time.
  const collect = () => {
    for (const metric of [
      calls,
      errors,
      latency,
      pluginCalls,
      pluginErrors,
      inFlight,
      restarts,
      up,
      heapUsed,
      heapLimit,
      utilisation,
    ])
      metric.reset();
    const metrics = read();
    for (const [method, view] of Object.entries(metrics.methods)) {
      const labels = { method };
      calls.inc(labels, view.calls);
      for (const [code, count] of Object.entries(view.errors)) errors.inc({ ...labels, code }, count);
      for (const [quantile, ms] of [
        ['0.5', view.latencyMs.p50],
        ['0.9', view.latencyMs.p90],
        ['0.99', view.latencyMs.p99],
      ] as const) {
        latency.set({ ...labels, quantile }, ms / 1000);
      }
    }
    for (const [name, figures] of Object.entries(metrics.plugins)) {
      const plugin = pluginRow(name, figures);
      const labels = { plugin: name };
      pluginCalls.inc(labels, plugin.calls);
      for (const [code, count] of Object.entries(figures.errors)) pluginErrors.inc({ ...labels, code }, count);
      inFlight.set(labels, plugin.inFlight);
      restarts.inc(labels, plugin.restarts);
      up.set({ ...labels, state: plugin.state }, isServing(plugin) ? 1 : 0);
      if (plugin.heap) {
        heapUsed.set(labels, plugin.heap.used);
        heapLimit.set(labels, plugin.heap.limit);
      }
      if (plugin.eventLoopUtilization !== undefined) utilisation.set(labels, plugin.eventLoopUtilization);
    }
  };
  return {
    contentType: registry.contentType,
    render: () => {
      collect();
      return registry.metrics();
    },
  };
}

/** Listens on `host`:`port`, or on the listening socket `fd` when one was handed over. */
export async function servePrometheus(
  exporter: PrometheusExport,
  host: string,
  port: number,
  fd?: number,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || !request.url?.startsWith('/metrics')) {
      response.writeHead(404).end('see /metrics\n');
      return;
    }
    Promise.resolve()
      .then(() => exporter.render())
      .then(
        (text) => response.setHeader('content-type', exporter.contentType).end(text),
        // A scrape that cannot be rendered is answered, not left hanging with its rejection unhandled.
        (error: unknown) =>
          response.writeHead(500).end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (fd === undefined) server.listen(port, host, () => resolve());
    else server.listen({ fd }, () => resolve());
  });
  return server;
}
