// What the dashboard's server (core/dashboard/) and its page (web/) share:
// the session header, and what `GET /events` streams. Pure, with type-only
// imports: the page bundles it.

import type { Figures } from './figures.js';

/** The header that carries a dashboard session's secret: the page sends it, the daemon reads it. */
export const SESSION_HEADER = 'x-plugd-session';

/** Seconds of history in a plugin's charts: 10 minutes, a point a second. */
export const CHART_SECONDS = 600;

/** Plugin events kept for a page opened now, newest first. */
export const KEPT_EVENTS = 50;

/** One second of a plugin's chart, made by the server (`EventFeed`) only. */
export interface ChartPoint {
  /** Epoch ms. */
  t: number;
  rate: number;
  /** 0 until the plugin has answered a call. */
  p99: number;
  /** Errors answered in that second. */
  errors: number;
}

export type PluginEventKind =
  'loaded' | 'reloaded' | 'restarted' | 'crashed' | 'failed' | 'paused' | 'resumed' | 'unloaded';

export interface FeedEvent {
  kind: PluginEventKind;
  name: string;
  /** Epoch ms. */
  time: number;
  reason?: string;
}

/** A log line as the page shows it. */
export interface LogEntry {
  time: number;
  level: number;
  msg: string;
  /** The plugin the line is from or about; absent for the daemon's own lines. */
  plugin?: string;
}

/** The events of the stream, by their `event:` name, with their data. */
export interface FeedEvents {
  /** First, to a new client: what happened recently. */
  hello: { charts: Record<string, ChartPoint[]>; logs: LogEntry[]; events: FeedEvent[] };
  /** Each second, and once after `hello`. */
  figures: Figures;
  /** Each second: every plugin's new chart point, by name. */
  chart: Record<string, ChartPoint>;
  plugin: FeedEvent;
  log: LogEntry;
}
