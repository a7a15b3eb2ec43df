// `plugd status` and `plugd plugins` as text: data in, text out, no daemon and no terminal.

import test from 'ava';
import { withColour, withoutColour } from '../../../core/cli/colour.js';
import { formatPlugins, formatStatus } from '../../../core/cli/format.js';
import { trouble } from '../../../core/contract/verdicts.js';
import { sortPlugins } from '../../../core/cli/top-sort.js';
import { ESCAPE, FLEET, NOW, plugin, row, snapshot } from '../../fixtures/cli/figures.js';

test('status: an onCall plugin shows idle and its activation, and an idle one is never in trouble', (t) => {
  const sleeper = plugin('sleeper', {
    state: 'idle',
    activation: 'onCall',
    restarts: 2,
    readySince: undefined,
    heap: undefined,
    eventLoopUtilization: undefined,
  });
  const text = formatStatus(snapshot([sleeper]), withoutColour);
  t.deepEqual(row(text, 'sleeper'), ['sleeper', 'idle', '-', '0', '0', '-', '0', '2', '-', '-', 'thread onCall']);
  t.is(trouble(sleeper, NOW), undefined);
  t.is(
    sortPlugins([plugin('awake'), sleeper], 'state', NOW)[1].name,
    'sleeper',
    'idle sorts after ready: nothing to look at',
  );
  const listed = formatPlugins([
    {
      name: 'sleeper',
      state: 'idle',
      activation: 'onCall',
      path: '/p',
      entry: '/p',
      methods: ['sleeper.get'],
      isolation: 'process',
      channel: 'shm',
      served: 3,
      inFlight: 0,
      restarts: 0,
      reloads: 0,
      paused: false,
    },
  ]);
  t.deepEqual(row(listed, 'sleeper'), ['sleeper', 'idle', 'process shm onCall', '3', '0', 'sleeper.get']);
});

test('status: a row of figures per plugin and the last errors, plain when not coloured', (t) => {
  const text = formatStatus(snapshot(FLEET), withoutColour);
  t.notRegex(text, ESCAPE);
  t.regex(text, /^plugd 9\.9\.9 {2}pid 4242 {2}up 1h02m {2}rss 120 MB {2}event-loop delay p99 12\.5 ms$/m);
  t.deepEqual(row(text, 'NAME'), [
    'NAME',
    'STATE',
    'UPTIME',
    'CALLS',
    'CALLS/S',
    'P99 MS',
    'ERRORS',
    'RESTARTS',
    'HEAP MB',
    'ELU %',
    'ISOLATION',
  ]);
  t.deepEqual(row(text, 'echo'), ['echo', 'ready', '1m30s', '900', '40', '1.25', '0', '0', '8.0/256', '1.0', 'thread']);
  t.deepEqual(row(text, 'crashy'), ['crashy', 'backoff', '-', '0', '0', '-', '0', '7', '-', '-', 'thread']);
  t.regex(text, /crashy: exited with code 1 \(restart in 400 ms\)/);
  t.regex(text, /gone: out of memory/);
});

test('status: states in colour on a terminal', (t) => {
  const text = formatStatus(snapshot(FLEET), withColour);
  t.true(text.includes('\u001b[32mready\u001b[39m'), 'ready is green');
  t.true(text.includes('\u001b[33mbackoff\u001b[39m'), 'backoff is yellow');
  t.true(text.includes('\u001b[31mfailed\u001b[39m'), 'failed is red');
  t.true(
    formatStatus(snapshot([plugin('resting', { paused: true })]), withColour).includes('\u001b[2mpaused\u001b[22m'),
    'paused is dim',
  );
});

test('plugins: a plugin in a shared worker says which', (t) => {
  const listed = formatPlugins([
    {
      name: 'weather',
      state: 'ready',
      activation: 'eager',
      path: '/p',
      entry: '/p',
      methods: ['weather.now'],
      isolation: 'thread',
      channel: 'sab',
      sharedWorker: 'light',
      served: 1,
      inFlight: 0,
      restarts: 0,
      reloads: 0,
      paused: false,
    },
  ]);
  t.deepEqual(row(listed, 'weather'), ['weather', 'ready', 'thread shared:light', '1', '0', 'weather.now']);
});
