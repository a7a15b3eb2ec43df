// The page's live state, from `GET /events`: figures each second, plugin
// events, log lines, and 10 minutes of chart points. Read with fetch, not
// EventSource, so the request carries the session header. When the stream
// breaks (the daemon restarted) the page reconnects by itself; a session that
// no longer holds (idle, logged out, the token rotated) sends the page back
// to the login form.

import type { ChartPoint, LiveFigures } from '../core/dashboard/figures.js';
import type { LogEntry } from '../core/dashboard/log-lines.js';
import { sessionEnded, sessionHeaders } from './session.js';

export interface FeedEvent {
  kind: string;
  name: string;
  time: number;
  reason?: string;
}

export interface FeedState {
  figures?: LiveFigures;
  charts: Record<string, ChartPoint[]>;
  logs: LogEntry[];
  events: FeedEvent[];
  connected: boolean;
}

const CHART_POINTS = 600;
/** What /events answers without a valid session. */
const UNAUTHORIZED_STATUS = 401;
const RECONNECT_MS = 1000;
const KEPT_LOGS = 500;
const KEPT_EVENTS = 50;

export function connectFeed(changed: (state: FeedState) => void): void {
  let state: FeedState = { charts: {}, logs: [], events: [], connected: false };
  const update = (next: Partial<FeedState>) => changed((state = { ...state, ...next }));

  const handlers: Record<string, (data: any) => void> = {
    hello: ({ charts, logs, events }: { charts: FeedState['charts']; logs: LogEntry[]; events: FeedEvent[] }) =>
      update({ charts, logs, events, connected: true }),
    figures: (figures: LiveFigures) => {
      const charts = { ...state.charts };
      for (const plugin of figures.plugins) {
        const points = charts[plugin.name] ?? [];
        if (points.at(-1)?.t === figures.t) continue;
        const previous = state.figures?.plugins.find((old) => old.name === plugin.name);
        const errors = previous ? Math.max(0, plugin.errors - previous.errors) : 0;
        charts[plugin.name] = [
          ...points,
          { t: figures.t, rate: plugin.callsPerSecond, p99: plugin.p99Ms, errors },
        ].slice(-CHART_POINTS);
      }
      update({ figures, charts, connected: true });
    },
    plugin: (event: FeedEvent) => update({ events: [event, ...state.events].slice(0, KEPT_EVENTS) }),
    log: (entry: LogEntry) => update({ logs: [...state.logs, entry].slice(-KEPT_LOGS) }),
  };

  /** One Server-Sent Event: `event:` and `data:` lines. */
  function dispatch(block: string): void {
    const field = (name: string) =>
      block
        .split('\n')
        .find((line) => line.startsWith(`${name}: `))
        ?.slice(name.length + 2);
    const event = field('event');
    const data = field('data');
    if (event && data !== undefined) handlers[event]?.(JSON.parse(data));
  }

  async function read(): Promise<void> {
    const response = await fetch('/events', { headers: sessionHeaders() });
    if (response.status === UNAUTHORIZED_STATUS) return sessionEnded();
    if (!response.ok || !response.body) throw new Error(`/events answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        dispatch(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
  }

  /** The stream ended (the daemon went away, or ended the session): open it again; a refusal shows the login form. */
  function open(): void {
    read()
      .catch(() => undefined)
      .finally(() => {
        update({ connected: false });
        setTimeout(open, RECONNECT_MS);
      });
  }

  open();
}
