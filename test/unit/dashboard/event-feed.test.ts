// core/dashboard/event-feed.ts: the /events stream makes each plugin's chart
// point once, on the server, from the same rows it streams as figures.

import test from 'ava';
import type { ServerResponse } from 'node:http';
import type { ChartPoint, FeedEvents } from '../../../core/contract/dashboard.js';
import type { DaemonMetrics, PluginMetrics } from '../../../core/contract/daemon.js';
import { EventFeed } from '../../../core/dashboard/event-feed.js';
import { createHooks } from '../../../core/hooks.js';
import { until } from '../../helpers/until.js';

function metricsWith(errors: number, calls: number): DaemonMetrics {
  const echo: PluginMetrics = {
    state: 'ready',
    activation: 'eager',
    paused: false,
    restarts: 0,
    isolation: 'thread',
    channel: 'sab',
    methods: ['echo.say'],
    crashWindowMs: 90_000,
    calls,
    inFlight: 0,
    errors: errors > 0 ? { '-32602': errors } : {},
    callsPerSecond: 4,
    rateHistory: [4],
    latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 },
  };
  return {
    daemon: {
      pid: 1,
      version: 'v',
      socket: 's',
      pluginDir: 'p',
      rss: 1,
      heapUsed: 1,
      eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
      uptime: 1,
    },
    methods: {},
    plugins: { echo },
  };
}

/** A response that records the events written to it, parsed. */
function recorder() {
  const events: { event: string; data: unknown }[] = [];
  const response = {
    writeHead: () => response,
    write: (text: string) => {
      const event = /^event: (.*)$/m.exec(text)?.[1];
      const data = /^data: (.*)$/m.exec(text)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
      return true;
    },
    on: () => response,
  };
  return { events, response: response as unknown as ServerResponse };
}

test('each second streams the rows as figures and one chart point per plugin, its errors those of that second', async (t) => {
  let reads = 0;
  // Two more errors and ten more calls at each reading.
  const feed = new EventFeed(() => {
    reads++;
    return metricsWith(2 * reads, 10 * reads);
  });
  const hooks = createHooks();
  feed.start(hooks);
  t.teardown(() => hooks.shutdown.promise());
  const { events, response } = recorder();
  feed.subscribe(response);
  t.deepEqual(
    events.map(({ event }) => event),
    ['hello', 'figures'],
  );

  const charts = () => events.filter(({ event }) => event === 'chart').map(({ data }) => data as FeedEvents['chart']);
  await until(
    async () => charts().length,
    (count) => count >= 2,
  );
  const [first, second] = charts().map((chart) => chart.echo);
  t.like(first, { rate: 4, p99: 3 });
  t.is(second.errors, 2, 'the errors of that second, not since start');
  t.true(second.t > first.t);

  const figures = events.filter(({ event }) => event === 'figures').map(({ data }) => data as FeedEvents['figures']);
  const latest = figures.at(-1)!;
  t.like(latest.plugins[0], { name: 'echo', crashWindowMs: 90_000, methods: ['echo.say'], p99Ms: 3 });
  t.is(latest.takenAt, second.t, 'a chart point belongs to the figures of its second');

  // A page opened now gets the points made so far, the same ones.
  const late = recorder();
  feed.subscribe(late.response);
  const hello = late.events[0].data as FeedEvents['hello'];
  const kept: ChartPoint[] = hello.charts.echo;
  t.deepEqual(kept.slice(0, 2), [first, second]);
});
