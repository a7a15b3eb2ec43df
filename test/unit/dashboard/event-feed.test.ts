// core/dashboard/event-feed.ts without a daemon: `daemon.metrics` answers
// from a fleet the test changes between seconds, the core's real hooks,
// streams that record what they are sent, and the once-a-second timer (and
// the clock) driven by Node's mock timers, so no test waits.

import test, { type ExecutionContext } from 'ava';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { mock } from 'node:test';
import { CHART_SECONDS, KEPT_EVENTS, type FeedEvents } from '../../../core/contract/dashboard.js';
import type { DaemonMetrics, PluginMetrics } from '../../../core/contract/daemon.js';
import { EventFeed } from '../../../core/dashboard/event-feed.js';
import { createHooks } from '../../../core/hooks.js';

/** A response that keeps what is written to it, and parses the events. */
class Stream extends EventEmitter {
  head: [number, Record<string, string>] | undefined;
  text = '';
  ended = false;

  writeHead(status: number, headers: Record<string, string>): this {
    this.head = [status, headers];
    return this;
  }

  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }

  end(): this {
    this.ended = true;
    return this;
  }

  /** The names of the events sent, in order. */
  names(): string[] {
    return this.sent().map(([name]) => name);
  }

  /** The data of each event of one name, in order. */
  named<Name extends keyof FeedEvents>(event: Name): FeedEvents[Name][] {
    return this.sent()
      .filter(([name]) => name === event)
      .map(([, data]) => data as FeedEvents[Name]);
  }

  /** What a page gets first: the history. */
  hello(): FeedEvents['hello'] {
    return this.named('hello')[0];
  }

  private sent(): Array<[string, unknown]> {
    return [...this.text.matchAll(/^event: (.*)\ndata: (.*)\n\n/gm)].map((match) => [match[1], JSON.parse(match[2])]);
  }
}

function plugin(change: Partial<PluginMetrics> = {}): PluginMetrics {
  return {
    state: 'ready',
    activation: 'eager',
    paused: false,
    restarts: 0,
    isolation: 'thread',
    channel: 'sab',
    methods: ['echo.say'],
    crashWindowMs: 90_000,
    calls: 0,
    inFlight: 0,
    errors: {},
    callsPerSecond: 0,
    rateHistory: [],
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    ...change,
  };
}

/** Answers `daemon.metrics` with the plugins a test sets between seconds. */
function fleet() {
  const plugins: Record<string, PluginMetrics> = { echo: plugin() };
  const metrics = (): DaemonMetrics => ({
    daemon: {
      pid: 7,
      version: 'v',
      socket: '/run/plugd.sock',
      pluginDir: '/p',
      rss: 2,
      heapUsed: 1,
      eventLoopDelayMs: { p50: 0, p99: 3, max: 4 },
      uptime: 1,
    },
    methods: {},
    plugins: { ...plugins },
  });
  return { plugins, metrics };
}

function subscribe(feed: EventFeed): Stream {
  const stream = new Stream();
  feed.subscribe(stream as unknown as ServerResponse);
  return stream;
}

/** A started feed whose seconds pass at `tick(n)`; the mock timers are reset when the test ends. */
function started(t: ExecutionContext) {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: Date.UTC(2026, 0, 1) });
  t.teardown(() => mock.timers.reset());
  const { plugins, metrics } = fleet();
  const hooks = createHooks();
  const feed = new EventFeed(metrics);
  feed.start(hooks);
  return { feed, hooks, plugins, tick: (seconds = 1) => mock.timers.tick(seconds * 1000) };
}

/** What a hook says of a plugin. */
const about = (name: string) => ({ name, path: `/p/${name}` });

test.serial('a new client gets the stream headers, the retry delay, the history, then the figures at once', (t) => {
  const { feed } = started(t);
  const stream = subscribe(feed);
  t.deepEqual(stream.head, [200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }]);
  t.true(stream.text.startsWith('retry: 1000\n\n'));
  t.deepEqual(stream.names(), ['hello', 'figures']);
  t.deepEqual(stream.hello(), { charts: {}, logs: [], events: [] });
  const [figures] = stream.named('figures');
  t.like(figures, {
    takenAt: Date.now(),
    daemon: { pid: 7, socket: '/run/plugd.sock', pluginDir: '/p', eventLoopDelayP99Ms: 3 },
  });
  t.deepEqual(
    figures.plugins.map((row) => row.name),
    ['echo'],
  );
});

test.serial('hooks become events: loaded, reloaded, crashed, restarted, unloaded, loaded again', (t) => {
  const { feed, hooks } = started(t);
  const stream = subscribe(feed);
  hooks.pluginLoaded.call(about('echo'));
  hooks.pluginLoaded.call(about('echo'));
  hooks.pluginCrashed.call({ ...about('echo'), reason: 'exited with code 1', restarts: 1, next: 'backoff' });
  hooks.pluginLoaded.call(about('echo'));
  hooks.pluginUnloaded.call(about('echo'));
  hooks.pluginLoaded.call(about('echo'));
  const events = stream.named('plugin');
  t.deepEqual(
    events.map((event) => event.kind),
    ['loaded', 'reloaded', 'crashed', 'restarted', 'unloaded', 'loaded'],
  );
  t.deepEqual(events[2], { kind: 'crashed', name: 'echo', reason: 'exited with code 1', time: Date.now() });
  t.false('reason' in events[0], 'no reason where there is none');
  t.deepEqual(
    subscribe(feed)
      .hello()
      .events.map((event) => event.kind),
    ['loaded', 'unloaded', 'restarted', 'crashed', 'reloaded', 'loaded'],
    'a later client gets them newest first',
  );
});

test.serial(`the history keeps the last ${KEPT_EVENTS} events`, (t) => {
  const { feed, hooks } = started(t);
  for (let index = 0; index < KEPT_EVENTS + 10; index++) hooks.pluginUnloaded.call(about(`p${index}`));
  const { events } = subscribe(feed).hello();
  t.is(events.length, KEPT_EVENTS);
  t.is(events[0].name, `p${KEPT_EVENTS + 9}`);
  t.is(events.at(-1)?.name, 'p10');
});

test.serial('log lines: JSON lines are sent to every client and kept; anything else is dropped', (t) => {
  const { feed } = started(t);
  const one = subscribe(feed);
  const two = subscribe(feed);
  feed.logLine('not json');
  feed.logLine('42');
  feed.logLine(JSON.stringify({ time: 5, level: 50, msg: 'boom', plugin: 'echo', extra: 'cut' }));
  feed.logLine(JSON.stringify({ msg: 'bare' }));
  for (const stream of [one, two]) {
    const logs = stream.named('log');
    t.is(logs.length, 2);
    t.deepEqual(logs[0], { time: 5, level: 50, msg: 'boom', plugin: 'echo' });
    t.deepEqual(logs[1], { time: Date.now(), level: 30, msg: 'bare' }, 'a bare line is info, from now');
  }
  t.deepEqual(
    subscribe(feed)
      .hello()
      .logs.map((entry) => entry.msg),
    ['boom', 'bare'],
  );
});

test.serial(
  'each second sends the figures and the chart points to every client; pause, resume, failure show as events',
  (t) => {
    const { feed, plugins, tick } = started(t);
    const stream = subscribe(feed);
    tick();
    t.deepEqual(stream.names(), ['hello', 'figures', 'figures', 'chart'], 'figures at subscribe, then each second');
    plugins.echo = plugin({ paused: true });
    tick();
    plugins.echo = plugin();
    tick();
    plugins.echo = plugin({ state: 'failed', lastError: 'setup threw' });
    tick(3);
    t.deepEqual(
      stream.named('plugin').map((event) => [event.kind, event.reason]),
      [
        ['paused', undefined],
        ['resumed', undefined],
        ['failed', 'setup threw'],
      ],
      'a plugin that stays failed is reported once',
    );
    t.is(stream.named('figures').length, 7);
    t.is(stream.named('chart').length, 6);
    t.is(stream.named('figures').at(-1)?.plugins[0].state, 'failed');
  },
);

test.serial('a crash loop that ends in failure shows as crashed, then failed, once', (t) => {
  const { feed, hooks, plugins, tick } = started(t);
  const stream = subscribe(feed);
  tick();
  hooks.pluginCrashed.call({ ...about('echo'), reason: 'crash loop', restarts: 5, next: 'failed' });
  plugins.echo = plugin({ state: 'failed', lastError: 'crash loop' });
  tick();
  t.deepEqual(
    stream.named('plugin').map((event) => event.kind),
    ['crashed', 'failed'],
  );
  tick();
  t.is(stream.named('plugin').length, 2);
});

test.serial(
  `charts keep ${CHART_SECONDS} seconds per plugin, count the errors of each second, and forget a plugin that is gone`,
  (t) => {
    const { feed, plugins, tick } = started(t);
    const answering = { callsPerSecond: 4, latencyMs: { p50: 1, p90: 1, p99: 1, max: 1 } };
    plugins.echo = plugin({ ...answering, calls: 4, errors: { '-32603': 1 } });
    tick();
    plugins.echo = plugin({ ...answering, calls: 8, errors: { '-32603': 3 } });
    tick();
    plugins.echo = plugin({ ...answering, calls: 12, errors: { '-32603': 2 } });
    tick();
    t.deepEqual(
      subscribe(feed)
        .hello()
        .charts.echo.map((point) => [point.rate, point.p99, point.errors]),
      [
        [4, 1, 0],
        [4, 1, 2],
        [4, 1, 0],
      ],
      'the first second has nothing to count from; a counter that goes down counts none',
    );
    plugins.quiet = plugin({ latencyMs: { p50: 9, p90: 9, p99: 9, max: 9 } });
    tick(CHART_SECONDS + 100);
    const { charts } = subscribe(feed).hello();
    t.is(charts.echo.length, CHART_SECONDS, 'made with no client watching, and bounded');
    t.is(charts.echo.at(-1)?.t, Date.now());
    t.is(charts.quiet.at(-1)?.p99, 0, 'no latency until the plugin has answered a call');
    delete plugins.echo;
    tick();
    t.deepEqual(Object.keys(subscribe(feed).hello().charts), ['quiet']);
  },
);

test.serial(
  'each second streams the rows as figures and one chart point per plugin, its errors those of that second',
  (t) => {
    const { feed, plugins, tick } = started(t);
    const stream = subscribe(feed);
    const answering = { crashWindowMs: 90_000, callsPerSecond: 4, latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 } };
    plugins.echo = plugin({ ...answering, calls: 10, errors: { '-32602': 2 } });
    tick();
    plugins.echo = plugin({ ...answering, calls: 20, errors: { '-32602': 4 } });
    tick();
    const [first, second] = stream.named('chart').map((chart) => chart.echo);
    t.like(first, { rate: 4, p99: 3 });
    t.is(second.errors, 2, 'the errors of that second, not since start');
    t.true(second.t > first.t);

    const latest = stream.named('figures').at(-1);
    t.like(latest?.plugins[0], { name: 'echo', crashWindowMs: 90_000, methods: ['echo.say'], p99Ms: 3 });
    t.is(latest?.takenAt, second.t, 'a chart point belongs to the figures of its second');

    // A page opened now gets the points made so far, the same ones.
    t.deepEqual(subscribe(feed).hello().charts.echo, [first, second]);
  },
);

test.serial('a client that closes is sent nothing more; endStreams ends the others', (t) => {
  const { feed, hooks, tick } = started(t);
  const gone = subscribe(feed);
  const staying = subscribe(feed);
  gone.emit('close');
  const before = gone.text;
  hooks.pluginLoaded.call(about('echo'));
  tick();
  t.is(gone.text, before);
  t.is(staying.named('plugin').length, 1);
  t.is(staying.named('chart').length, 1);
  feed.endStreams();
  t.true(staying.ended);
  t.false(gone.ended);
});

test.serial('the shutdown hook stops the seconds', async (t) => {
  const { feed, hooks, tick } = started(t);
  const stream = subscribe(feed);
  await hooks.shutdown.promise();
  tick(5);
  t.deepEqual(stream.names(), ['hello', 'figures'], 'only what subscribe sent');
});
