// The page's live state, from `GET /events` (`FeedEvents`): figures each
// second, plugin events, log lines, and 10 minutes of chart points, each made
// by the server and only kept here. Read with fetch, not
// EventSource, so the request carries the session header. When the stream
// breaks (the daemon restarted) the page reconnects by itself; a session that
// no longer holds (idle, logged out, the token rotated) sends the page back
// to the login form.

import {
  CHART_SECONDS,
  KEPT_EVENTS,
  type ChartPoint,
  type FeedEvent,
  type FeedEvents,
  type LogEntry,
} from '../core/contract/dashboard.js';
import type { Figures } from '../core/contract/figures.js';
import { sessionEnded, sessionHeaders } from './session.js';

export interface FeedState {
  figures?: Figures;
  charts: Record<string, ChartPoint[]>;
  logs: LogEntry[];
  events: FeedEvent[];
  connected: boolean;
}

/** What /events answers without a valid session. */
const UNAUTHORIZED_STATUS = 401;
const RECONNECT_MS = 1000;
const KEPT_LOGS = 500;

export function connectFeed(changed: (state: FeedState) => void): void {
  let state: FeedState = { charts: {}, logs: [], events: [], connected: false };
  const update = (next: Partial<FeedState>) => changed((state = { ...state, ...next }));

  const handlers: { [Name in keyof FeedEvents]: (data: FeedEvents[Name]) => void } = {
    hello: ({ charts, logs, events }) => update({ charts, logs, events, connected: true }),
    figures: (figures) => update({ figures, connected: true }),
    chart: (points) => {
      const charts = { ...state.charts };
      for (const [name, point] of Object.entries(points))
        charts[name] = [...(charts[name] ?? []), point].slice(-CHART_SECONDS);
      update({ charts });
    },
    plugin: (event) => update({ events: [event, ...state.events].slice(0, KEPT_EVENTS) }),
    log: (entry) => update({ logs: [...state.logs, entry].slice(-KEPT_LOGS) }),
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
    if (event && data !== undefined && event in handlers)
      (handlers[event as keyof FeedEvents] as (data: unknown) => void)(JSON.parse(data));
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
