// One view of a plugin (core/contract/figures.ts, verdicts.ts): `plugd top
// --json`, the dashboard's /events figures and Prometheus show the same rows
// from a real daemon, with each plugin's own crash window, and the dashboard's
// chart points come made from the server.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { FeedEvents } from '../../core/contract/dashboard.js';
import type { Figures, PluginRow } from '../../core/contract/figures.js';
import { isServing } from '../../core/contract/verdicts.js';
import { runCli, startDaemon } from '../helpers/daemon.js';

/** echo's restart window, unlike the default: the views must each show this one. */
const ECHO_WINDOW_MS = 123_000;

/** The stream's events until one named `last` arrives, by name (the latest of each). */
function eventsUntil(
  base: string,
  headers: Record<string, string>,
  last: keyof FeedEvents,
): Promise<Partial<FeedEvents>> {
  return new Promise((resolve, reject) => {
    const seen: Partial<Record<string, unknown>> = {};
    const outgoing = request(new URL('/events', base), { headers }, (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => {
        text += chunk;
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === undefined || data === undefined) continue;
          seen[event] = JSON.parse(data);
          if (event === last) {
            outgoing.destroy();
            resolve(seen);
            return;
          }
        }
      });
      incoming.on('end', () => reject(new Error(`/events ended before a ${last} event`)));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** What holds still between two readings while no call is made. */
const still = ({
  name,
  state,
  paused,
  activation,
  isolation,
  channel,
  methods,
  restarts,
  crashWindowMs,
}: PluginRow) => ({
  name,
  state,
  paused,
  activation,
  isolation,
  channel,
  methods,
  restarts,
  crashWindowMs,
});

test('plugd top --json, the dashboard and Prometheus show the same rows, each with its crash window', async (t) => {
  const daemon = await startDaemon(t, {
    examples: true,
    args: ['--tcp', '127.0.0.1:0', '--metrics', '127.0.0.1:0'],
    config: { plugins: { echo: { supervision: { restart: { windowMs: ECHO_WINDOW_MS } } } } },
  });
  await daemon.call('echo.say', { text: 'one' });
  await daemon.call('plugins.pause', { name: 'counter' });
  const status = await daemon.call('daemon.status');
  const token = readFileSync(join(daemon.home, 'token'), 'utf8').trim();

  const top = await runCli(['--home', daemon.home, 'top', '--json']);
  t.is(top.code, 0, top.stderr);
  const fromTop = JSON.parse(top.stdout) as Figures;
  const stream = await eventsUntil(`http://${status.tcp}`, { authorization: `Bearer ${token}` }, 'chart');
  const fromPage = stream.figures!;
  const scrape = await (await fetch(`http://${status.metrics}/metrics`)).text();

  t.deepEqual(
    fromTop.plugins.map((row) => row.name),
    ['counter', 'echo'],
  );
  t.deepEqual(fromPage.plugins.map(still), fromTop.plugins.map(still), 'the page reads the rows top reads');
  const echo = fromTop.plugins.find((row) => row.name === 'echo')!;
  t.is(echo.crashWindowMs, ECHO_WINDOW_MS, "echo's own window, not a fixed minute");
  t.is(fromTop.plugins.find((row) => row.name === 'counter')!.crashWindowMs, 60_000, 'the default window');
  t.deepEqual(
    echo.methods.toSorted(),
    echo.methods.toSorted().filter((method) => method.startsWith('echo.')),
  );
  t.true(echo.methods.includes('echo.say'));
  for (const row of fromTop.plugins) {
    const up = new RegExp(`^plugd_plugin_up\\{plugin="${row.name}",state="${row.state}"\\} (\\d)$`, 'm').exec(scrape);
    t.is(up?.[1], isServing(row) ? '1' : '0', `${row.name}: Prometheus's up is the views' verdict`);
  }
  t.regex(scrape, /^plugd_plugin_up\{plugin="counter",state="ready"\} 0$/m, 'paused: ready, but not up');

  // The chart point of a second, made by the server from the same row.
  const chart = stream.chart!;
  t.deepEqual(Object.keys(chart).toSorted(), ['counter', 'echo']);
  t.true(chart.echo.t > 0);
  t.is(typeof chart.echo.rate, 'number');
  t.true(chart.echo.p99 > 0, 'echo has answered a call: its p99 is charted');
});
