// The page's live state, from `GET /events`: figures each second, plugin
// events, log lines, and 10 minutes of chart points. When the stream breaks
// (the daemon restarted) the page reconnects by itself; a session that no
// longer holds (the token was rotated) sends the page back to the login form.

import type { ChartPoint, LiveFigures } from '../core/dashboard/figures.js';
import type { LogEntry } from '../core/dashboard/log-lines.js';
import { call, RpcAnswerError } from './rpc.js';

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
/** The JSON-RPC code of a call without a valid session. */
const UNAUTHORIZED = -32004;
const KEPT_LOGS = 500;
const KEPT_EVENTS = 50;

export function connectFeed(changed: (state: FeedState) => void): void {
  let state: FeedState = { charts: {}, logs: [], events: [], connected: false };
  const update = (next: Partial<FeedState>) => changed((state = { ...state, ...next }));

  function open(): void {
    const source = new EventSource('/events');
    const on = <T>(event: string, handle: (data: T) => void) =>
      source.addEventListener(event, (message) => handle(JSON.parse((message as MessageEvent<string>).data) as T));
    on<{ charts: FeedState['charts']; logs: LogEntry[]; events: FeedEvent[] }>('hello', ({ charts, logs, events }) =>
      update({ charts, logs, events, connected: true }),
    );
    on<LiveFigures>('figures', (figures) => {
      const charts = { ...state.charts };
      for (const plugin of figures.plugins) {
        const points = charts[plugin.name] ?? [];
        if (points.at(-1)?.t === figures.t) continue;
        const previous = state.figures?.plugins.find((old) => old.name === plugin.name);
        const errors = previous ? Math.max(0, plugin.errors - previous.errors) : 0;
        charts[plugin.name] = [...points, { t: figures.t, rate: plugin.callsPerSecond, p99: plugin.p99Ms, errors }].slice(-CHART_POINTS);
      }
      update({ figures, charts, connected: true });
    });
    on<FeedEvent>('plugin', (event) => update({ events: [event, ...state.events].slice(0, KEPT_EVENTS) }));
    on<LogEntry>('log', (entry) => update({ logs: [...state.logs, entry].slice(-KEPT_LOGS) }));
    source.onerror = () => {
      update({ connected: false });
      // The browser retries a dropped stream itself; one it gave up on (a refusal) is retried here.
      if (source.readyState === EventSource.CLOSED) setTimeout(() => void retry(), 1000);
    };
  }

  async function retry(): Promise<void> {
    try {
      await call('daemon.status');
    } catch (error) {
      if (error instanceof RpcAnswerError && error.code === UNAUTHORIZED) return location.reload();
    }
    open();
  }

  open();
}
