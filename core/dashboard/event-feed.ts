// `GET /events`: a Server-Sent Events stream (its events and their data are
// `FeedEvents`, core/contract/dashboard.ts). A new client first gets what
// happened recently (10 minutes of chart points, recent log lines), then the
// figures once a second with each plugin's new chart point, and each event as
// it happens: a plugin loaded, reloaded, restarted, crashed, failed, paused,
// resumed or unloaded; a log line.

import type { ServerResponse } from 'node:http';
import {
  CHART_SECONDS,
  KEPT_EVENTS,
  type ChartPoint,
  type FeedEvent,
  type FeedEvents,
  type PluginEventKind,
} from '../contract/dashboard.js';
import type { DaemonMetrics } from '../contract/daemon.js';
import { figuresOf, type Figures } from '../contract/figures.js';
import type { CoreHooks } from '../hooks.js';
import { parseLogLine, RecentLogs } from './log-lines.js';

export class EventFeed {
  private readonly clients = new Set<ServerResponse>();
  private readonly charts = new Map<string, ChartPoint[]>();
  private readonly logs = new RecentLogs();
  private readonly events: FeedEvent[] = [];
  /** The last event of each plugin: a load after a crash is a restart, after a load a reload. */
  private readonly lastEvent = new Map<string, PluginEventKind>();
  private last: Figures | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** `metrics` reads `daemon.metrics`, which every view's figures come from. */
  constructor(private readonly metrics: () => DaemonMetrics) {}

  /** Follows the core's hooks and starts the once-a-second figures. */
  start(hooks: CoreHooks): void {
    hooks.pluginLoaded.tap('plugd:dashboard', ({ name }) => {
      const before = this.lastEvent.get(name);
      this.event(
        before === undefined || before === 'unloaded' ? 'loaded' : before === 'crashed' ? 'restarted' : 'reloaded',
        name,
      );
    });
    hooks.pluginUnloaded.tap('plugd:dashboard', ({ name }) => this.event('unloaded', name));
    hooks.pluginCrashed.tap('plugd:dashboard', ({ name, reason }) => this.event('crashed', name, reason));
    hooks.shutdown.tap('plugd:dashboard', () => clearInterval(this.timer));
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** A line the daemon's log received (JSON text). */
  logLine(line: string): void {
    const entry = parseLogLine(line);
    if (!entry) return;
    this.logs.add(entry);
    this.broadcast('log', entry);
  }

  subscribe(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    // The browser retries after a second when the daemon goes away.
    response.write('retry: 1000\n\n');
    this.send(response, 'hello', {
      charts: Object.fromEntries(this.charts),
      logs: this.logs.all(),
      events: this.events,
    });
    this.send(response, 'figures', this.last ?? this.read());
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }

  /** Ends every stream (an upgrade's drain): browsers reconnect, to the successor, after the `retry` above. */
  endStreams(): void {
    for (const client of this.clients) client.end();
  }

  private read(): Figures {
    return figuresOf(this.metrics(), Date.now());
  }

  private tick(): void {
    const figures = this.read();
    const before = new Map(this.last?.plugins.map((plugin) => [plugin.name, plugin]));
    const chart: FeedEvents['chart'] = {};
    for (const plugin of figures.plugins) {
      const previous = before.get(plugin.name);
      // Pause has no hook of its own, and a load that fails no crash: both show as a change of figures.
      if (previous && previous.paused !== plugin.paused) this.event(plugin.paused ? 'paused' : 'resumed', plugin.name);
      if (plugin.state === 'failed' && previous?.state !== 'failed' && this.lastEvent.get(plugin.name) !== 'failed') {
        this.event('failed', plugin.name, plugin.lastError);
      }
      const errors = previous ? Math.max(0, plugin.errors - previous.errors) : 0;
      const point = { t: figures.takenAt, rate: plugin.callsPerSecond, p99: plugin.p99Ms ?? 0, errors };
      const points = this.charts.get(plugin.name) ?? [];
      points.push(point);
      if (points.length > CHART_SECONDS) points.shift();
      this.charts.set(plugin.name, points);
      chart[plugin.name] = point;
    }
    for (const name of this.charts.keys())
      if (!figures.plugins.some((plugin) => plugin.name === name)) this.charts.delete(name);
    this.last = figures;
    if (this.clients.size === 0) return;
    this.broadcast('figures', figures);
    this.broadcast('chart', chart);
  }

  private event(kind: PluginEventKind, name: string, reason?: string): void {
    this.lastEvent.set(name, kind);
    const event: FeedEvent = { kind, name, time: Date.now(), ...(reason !== undefined && { reason }) };
    this.events.unshift(event);
    if (this.events.length > KEPT_EVENTS) this.events.pop();
    this.broadcast('plugin', event);
  }

  private broadcast<Name extends keyof FeedEvents>(event: Name, data: FeedEvents[Name]): void {
    for (const client of this.clients) this.send(client, event, data);
  }

  private send<Name extends keyof FeedEvents>(response: ServerResponse, event: Name, data: FeedEvents[Name]): void {
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}
