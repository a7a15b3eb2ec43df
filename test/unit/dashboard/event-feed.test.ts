// The dashboard's Server-Sent Events feed without a daemon: figures from a
// fake source, the core's real hooks, streams that record what they are sent,
// and the once-a-second timer driven by Node's mock timers (no waiting).

import test, { type ExecutionContext } from 'ava';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { mock } from 'node:test';
import type { DaemonMetrics } from '../../../core/contract/daemon.js';
import type { PluginStatus } from '../../../core/contract/plugin-status.js';
import { EventFeed } from '../../../core/dashboard/event-feed.js';
import type { FigureSource } from '../../../core/dashboard/figures.js';
import { createHooks } from '../../../core/hooks.js';

/** A response that keeps the events written to it, parsed. */
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

  /** The events sent, in order, as [event, data]. */
  events(): Array<[string, any]> {
    return [...this.text.matchAll(/^event: (.*)\ndata: (.*)\n\n/gm)].map((match) => [match[1], JSON.parse(match[2])]);
  }

  named(event: string): any[] {
    return this.events()
      .filter(([name]) => name === event)
      .map(([, data]) => data);
  }
}

function status(name: string, change: Partial<PluginStatus> = {}): PluginStatus {
  return {
    name,
    state: 'ready',
    activation: 'eager',
    path: `/p/${name}`,
    entry: `/p/${name}/index.js`,
    methods: [`${name}.go`],
    isolation: 'thread',
    channel: 'sab',
    served: 0,
    inFlight: 0,
    restarts: 0,
    reloads: 0,
    paused: false,
    ...change,
  };
}

/** A source whose plugins and per-plugin figures the test changes between ticks. */
function source() {
  const fleet = { plugins: [status('echo')], calls: {} as Record<string, { rate: number; errors: number }> };
  const figures: FigureSource = {
    plugins: () => fleet.plugins,
    tcp: () => '127.0.0.1:4000',
    metrics: () =>
      ({
        daemon: { pid: 7, version: 'v', uptime: 1, rss: 2, eventLoopDelayMs: { p99: 3 } },
        plugins: Object.fromEntries(
          Object.entries(fleet.calls).map(([name, { rate, errors }]) => [
            name,
            {
              callsPerSecond: rate,
              rateHistory: [rate],
              latencyMs: { p99: 1 },
              calls: rate,
              errors: { '-32603': errors },
            },
          ]),
        ),
      }) as unknown as DaemonMetrics,
  };
  return { fleet, figures };
}

function subscribe(feed: EventFeed): Stream {
  const stream = new Stream();
  feed.subscribe(stream as unknown as ServerResponse);
  return stream;
}

/** A started feed whose seconds pass at `tick(n)`; the mock timers are reset when the test ends. */
function started(t: ExecutionContext) {
  mock.timers.enable({ apis: ['setInterval'] });
  t.teardown(() => mock.timers.reset());
  const { fleet, figures } = source();
  const hooks = createHooks();
  const feed = new EventFeed(figures);
  feed.start(hooks);
  return { feed, hooks, fleet, tick: (seconds = 1) => mock.timers.tick(seconds * 1000) };
}

test.serial('a new client gets the stream headers, the retry delay, the history, then the figures at once', (t) => {
  const { feed } = started(t);
  const stream = subscribe(feed);
  t.deepEqual(stream.head, [200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }]);
  t.true(stream.text.startsWith('retry: 1000\n\n'));
  const [[first, hello], [second, figures]] = stream.events();
  t.is(first, 'hello');
  t.deepEqual(hello, { charts: {}, logs: [], events: [] });
  t.is(second, 'figures');
  t.like(figures, { daemon: { pid: 7, tcp: '127.0.0.1:4000' } });
  t.deepEqual(
    figures.plugins.map((plugin: any) => plugin.name),
    ['echo'],
  );
});

test.serial('hooks become events: loaded, reloaded, crashed, restarted, unloaded, loaded again', (t) => {
  const { feed, hooks } = started(t);
  const stream = subscribe(feed);
  hooks.pluginLoaded.call({ name: 'echo' } as any);
  hooks.pluginLoaded.call({ name: 'echo' } as any);
  hooks.pluginCrashed.call({ name: 'echo', reason: 'exited with code 1' } as any);
  hooks.pluginLoaded.call({ name: 'echo' } as any);
  hooks.pluginUnloaded.call({ name: 'echo' } as any);
  hooks.pluginLoaded.call({ name: 'echo' } as any);
  const events = stream.named('plugin');
  t.deepEqual(
    events.map((event) => event.kind),
    ['loaded', 'reloaded', 'crashed', 'restarted', 'unloaded', 'loaded'],
  );
  t.like(events[2], { name: 'echo', reason: 'exited with code 1' });
  t.true(events.every((event) => typeof event.time === 'number'));
  const [, hello] = subscribe(feed).events()[0];
  t.deepEqual(
    hello.events.map((event: any) => event.kind),
    ['loaded', 'unloaded', 'restarted', 'crashed', 'reloaded', 'loaded'],
    'a later client gets them newest first',
  );
});

test.serial('the history keeps the last 50 events', (t) => {
  const { feed, hooks } = started(t);
  for (let index = 0; index < 60; index++) hooks.pluginUnloaded.call({ name: `p${index}` } as any);
  const [, hello] = subscribe(feed).events()[0];
  t.is(hello.events.length, 50);
  t.is(hello.events[0].name, 'p59');
  t.is(hello.events.at(-1).name, 'p10');
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
    t.deepEqual(stream.named('log')[0], { time: 5, level: 50, msg: 'boom', plugin: 'echo' });
    t.like(stream.named('log')[1], { level: 30, msg: 'bare' });
    t.is(stream.named('log').length, 2);
  }
  const [, hello] = subscribe(feed).events()[0];
  t.deepEqual(
    hello.logs.map((entry: any) => entry.msg),
    ['boom', 'bare'],
  );
});

test.serial('each second sends the figures to every client, and pause, resume and failure show as events', (t) => {
  const { feed, fleet, tick } = started(t);
  const stream = subscribe(feed);
  tick();
  t.is(stream.named('figures').length, 2, 'one at subscribe, one per second');
  fleet.plugins = [status('echo', { paused: true })];
  tick();
  fleet.plugins = [status('echo')];
  tick();
  fleet.plugins = [status('echo', { state: 'failed', lastError: 'setup threw' })];
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
  t.deepEqual(stream.named('figures').at(-1).plugins[0].state, 'failed');
});

test.serial(
  'charts keep ten minutes per plugin, count the errors of each second, and forget a plugin that is gone',
  (t) => {
    const { feed, fleet, tick } = started(t);
    fleet.calls.echo = { rate: 4, errors: 1 };
    tick();
    fleet.calls.echo = { rate: 4, errors: 3 };
    tick();
    fleet.calls.echo = { rate: 4, errors: 2 };
    tick();
    let [, hello] = subscribe(feed).events()[0];
    t.deepEqual(
      hello.charts.echo.map((point: any) => [point.rate, point.p99, point.errors]),
      [
        [4, 1, 0],
        [4, 1, 2],
        [4, 1, 0],
      ],
      'the first second has nothing to count from; a counter that goes down counts none',
    );
    tick(700);
    [, hello] = subscribe(feed).events()[0];
    t.is(hello.charts.echo.length, 600);
    fleet.plugins = [status('other')];
    tick();
    [, hello] = subscribe(feed).events()[0];
    t.deepEqual(Object.keys(hello.charts), ['other']);
  },
);

test.serial('a client that closes is sent nothing more; endStreams ends the others', (t) => {
  const { feed, hooks } = started(t);
  const gone = subscribe(feed);
  const staying = subscribe(feed);
  gone.emit('close');
  const before = gone.text;
  hooks.pluginLoaded.call({ name: 'echo' } as any);
  t.is(gone.text, before);
  t.is(staying.named('plugin').length, 1);
  feed.endStreams();
  t.true(staying.ended);
  t.false(gone.ended);
});

test.serial('the shutdown hook stops the seconds', async (t) => {
  const { feed, hooks, tick } = started(t);
  const stream = subscribe(feed);
  await hooks.shutdown.promise();
  tick(5);
  t.is(stream.named('figures').length, 1, 'only the one sent at subscribe');
});
