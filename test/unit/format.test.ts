// The CLI's pure renderers: data in, text out, no daemon and no terminal.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { withColour, withoutColour } from '../../core/cli/colour.js';
import type { Figures, PluginRow } from '../../core/contract/figures.js';
import { trouble } from '../../core/contract/verdicts.js';
import { formatPlugins, formatStatus } from '../../core/cli/format.js';
import { sparkline } from '../../core/cli/sparkline.js';
import {
  renderSystemdSocket,
  renderSystemdUnit,
  renderSystemdUnits,
  type UnitInstall,
} from '../../core/cli/systemd-unit.js';
import { lineLength, paintLines, renderTable } from '../../core/cli/table.js';
import { renderTopFrame } from '../../core/cli/top-render.js';
import { sortPlugins } from '../../core/cli/top-sort.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const ESCAPE = /\u001b\[/;
const MB = 1_048_576;

function plugin(name: string, figures: Partial<PluginRow> = {}): PluginRow {
  return {
    name,
    state: 'ready',
    isolation: 'thread',
    channel: 'sab',
    methods: [],
    activation: 'eager',
    paused: false,
    restarts: 0,
    readySince: NOW - 90_000,
    crashWindowMs: 60_000,
    calls: 0,
    callsPerSecond: 0,
    rateHistory: [],
    errors: 0,
    inFlight: 0,
    heap: { used: 8 * MB, limit: 256 * MB },
    eventLoopUtilization: 0.01,
    ...figures,
  };
}

function snapshot(plugins: PluginRow[]): Figures {
  const sum = (figure: (plugin: PluginRow) => number) => plugins.reduce((all, row) => all + figure(row), 0);
  return {
    takenAt: NOW,
    daemon: {
      pid: 4242,
      version: '9.9.9',
      uptime: 3725,
      rss: 120 * MB,
      eventLoopDelayP99Ms: 12.5,
      socket: '/h/plugd.sock',
      pluginDir: '/h/plugins',
      callsPerSecond: sum((row) => row.callsPerSecond),
      errors: sum((row) => row.errors),
    },
    plugins,
  };
}

const FLEET = [
  plugin('echo', { calls: 900, callsPerSecond: 40, rateHistory: [10, 20, 40], p99Ms: 1.25 }),
  plugin('slow', { calls: 50, callsPerSecond: 2, rateHistory: [2, 2], p99Ms: 48.3 }),
  plugin('hog', { calls: 5, errors: 3, p99Ms: 2, heap: { used: 220 * MB, limit: 256 * MB } }),
  plugin('crashy', {
    state: 'backoff',
    restarts: 7,
    readySince: undefined,
    heap: undefined,
    eventLoopUtilization: undefined,
    lastError: 'exited with code 1',
    nextRestartAt: NOW + 400,
  }),
  plugin('gone', {
    state: 'failed',
    restarts: 4,
    readySince: undefined,
    heap: undefined,
    eventLoopUtilization: undefined,
    lastError: 'out of memory',
  }),
];

/** The cells of the table row that starts with `name`. */
function row(text: string, name: string): string[] {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no row for ${name} in:\n${text}`);
  return line.trim().split(/\s{2,}/);
}

test('a sparkline is right-aligned, on the scale given, and never shows activity as none', (t) => {
  t.is(sparkline([0, 4, 8], 5, 8), '  ▁▅█');
  t.is(sparkline([1, 100], 2, 100), '▂█', 'one call against a hundred still shows');
  t.is(sparkline([1, 2, 3, 4], 2, 4), '▆█', 'only the newest values that fit');
  t.is(sparkline([0, 0], 2, 0), '▁▁');
});

test('tables align numbers right, text left, and leave no trailing blanks', (t) => {
  const lines = renderTable(
    [
      { header: 'NAME', align: 'left' },
      { header: 'N', align: 'right' },
      { header: 'NOTE', align: 'left' },
    ],
    [
      [{ text: 'a' }, { text: '100' }, { text: '' }],
      [{ text: 'long-name' }, { text: '7' }, { text: 'x' }],
    ],
  );
  t.is(paintLines(lines, withoutColour), 'NAME         N  NOTE\na          100\nlong-name    7  x\n');
  t.is(paintLines(lines, withoutColour, 6), 'NAME  \na     \nlong-n\n');
});

test('sorting puts the plugin to look at first, ties by name', (t) => {
  const names = (column: Parameters<typeof sortPlugins>[1]) =>
    sortPlugins(FLEET, column, NOW).map((figures) => figures.name);
  t.deepEqual(names('state'), ['gone', 'crashy', 'echo', 'hog', 'slow']);
  t.deepEqual(names('calls'), ['echo', 'slow', 'hog', 'crashy', 'gone']);
  t.deepEqual(names('p99'), ['slow', 'hog', 'echo', 'crashy', 'gone']);
  t.deepEqual(names('heap'), ['hog', 'echo', 'slow', 'crashy', 'gone']);
  t.deepEqual(names('restarts'), ['crashy', 'gone', 'echo', 'hog', 'slow']);
  t.deepEqual(names('name'), ['crashy', 'echo', 'gone', 'hog', 'slow']);
  const flapping = plugin('flappy', { restarts: 9, readySince: NOW - 100 });
  t.is(
    sortPlugins([...FLEET, flapping], 'state', NOW)[2].name,
    'flappy',
    'caught between crashes, still before the healthy',
  );
});

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

test('top: rows in trouble are highlighted whole, each row ends in a sparkline on one scale', (t) => {
  const frame = renderTopFrame(snapshot(FLEET), { sort: 'state', interactive: false });
  const text = paintLines(frame, withoutColour);
  t.notRegex(text, ESCAPE);
  t.regex(text, /plugins 5 {2}ready 3 {2}in trouble 2 {2}calls\/s 42 {2}errors 3 {2}restarts 11/);
  t.deepEqual(row(text, 'gone').slice(0, 2), ['gone', 'failed']);
  t.true(row(text, 'echo').at(-1)!.endsWith('▃▅█'));
  t.true(row(text, 'slow').at(-1)!.endsWith('▂▂'));
  t.regex(text, /^sorted by state$/m);
  t.notRegex(text, /keys:/);

  const crashyRow = frame.find((line) => line[0]?.text === 'crashy')!;
  t.true(
    crashyRow
      .filter((segment) => segment.text.trim() !== '')
      .every((segment) => JSON.stringify(segment.style) === '["yellow","bold"]'),
  );
  const echoRow = frame.find((line) => line[0]?.text === 'echo')!;
  t.is(echoRow[0].style, undefined);
});

test('top: a plugin back from a crash a moment ago still counts as crashing', (t) => {
  const justBack = plugin('flappy', { restarts: 3, readySince: NOW - 500 });
  const longBack = plugin('steady', { restarts: 3, readySince: NOW - 3_600_000 });
  const text = paintLines(
    renderTopFrame(snapshot([justBack, longBack]), { sort: 'name', interactive: false }),
    withoutColour,
  );
  t.regex(text, /in trouble 1/);
});

test('top: the frame fits the terminal it is given', (t) => {
  const many = Array.from({ length: 30 }, (_, index) =>
    plugin(`p${String(index).padStart(2, '0')}`, { rateHistory: Array(60).fill(index) }),
  );
  const frame = renderTopFrame(snapshot(many), { sort: 'name', width: 120, height: 20, interactive: true });
  t.is(frame.length, 20);
  t.true(
    frame.every((line) => lineLength(line) <= 120),
    'the sparkline takes the room that is left, no more',
  );
  t.regex(paintLines(frame, withoutColour), /… 17 more/);
  t.regex(paintLines(frame, withoutColour), /keys: q quit/);
});

const INSTALL: UnitInstall = {
  node: '/usr/bin/node',
  cli: '/opt/plugd/dist/cli/plugd.js',
  home: '/var/lib/plugd',
  pluginDir: '/var/lib/plugd/plugins',
  homeExists: true,
  stopDeadlineMs: 30_000,
  user: 'plugd',
  userUnit: false,
};

/** The `Key=value` lines of a unit. */
const settings = (unit: string) => unit.split('\n').filter((line) => /^[A-Za-z]+=/.test(line));

test('systemd unit: foreground start, reload by SIGHUP, sandboxed, stop deadline above the drain', (t) => {
  const unit = renderSystemdUnit(INSTALL);
  for (const line of [
    'Type=notify',
    'NotifyAccess=all',
    'WatchdogSec=30',
    'ExecStart=/usr/bin/node /opt/plugd/dist/cli/plugd.js start --foreground --home /var/lib/plugd',
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=35',
    'User=plugd',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ReadWritePaths=/var/lib/plugd',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'WantedBy=multi-user.target',
  ]) {
    t.true(settings(unit).includes(line), line);
  }
  t.false(unit.includes('MemoryDenyWriteExecute=yes'), 'V8 needs W+X pages');
});

test('systemd unit: homes under /home stay reachable, odd paths are quoted, a plugin folder elsewhere stays read-only', (t) => {
  const unit = renderSystemdUnit({
    ...INSTALL,
    home: '/home/ann/my plugd%1',
    pluginDir: '/srv/plugins',
    user: undefined,
  });
  t.true(settings(unit).includes('ProtectHome=read-only'));
  t.true(
    settings(unit).includes('ReadWritePaths="/home/ann/my plugd%%1"'),
    'builds live in the home: the plugin folder is only read',
  );
  t.true(settings(unit).some((line) => line.endsWith('--home "/home/ann/my plugd%%1"')));
  t.false(
    settings(unit).some((line) => line.startsWith('User=')),
    'root runs as itself',
  );
});

test('systemd unit: a home under /tmp leaves PrivateTmp out and says why in the unit', (t) => {
  const unit = renderSystemdUnit({ ...INSTALL, home: '/tmp/trial/.plugd', pluginDir: '/tmp/trial/.plugd/plugins' });
  t.false(unit.includes('PrivateTmp=yes\n'));
  t.true(unit.includes('# PrivateTmp=yes is left out: it would hide /tmp/trial/.plugd behind a private /tmp.'), unit);
  t.true(unit.includes('ReadWritePaths=/tmp/trial/.plugd'));
});

test('systemd unit: a user unit keeps only what works without privileges', (t) => {
  const unit = renderSystemdUnit({ ...INSTALL, userUnit: true });
  t.true(settings(unit).includes('WantedBy=default.target'));
  t.true(settings(unit).includes('NoNewPrivileges=yes'));
  t.false(settings(unit).some((line) => /^(User|ProtectSystem|ReadWritePaths)=/.test(line)));
});

test('the template in deploy/ says what the generator says, but for the paths and the state directory', (t) => {
  const template = settings(readFileSync(new URL('../../deploy/plugd.service', import.meta.url), 'utf8'));
  const generated = settings(renderSystemdUnit(INSTALL)).filter((line) => !line.startsWith('ExecStart='));
  t.deepEqual(
    generated.filter((line) => !template.includes(line)),
    [],
  );
});

test("systemd socket unit: the home's socket, named unix, owner only, the backlog plugd sets; both units print one after the other", (t) => {
  const socket = renderSystemdSocket(INSTALL);
  for (const line of [
    'ListenStream=/var/lib/plugd/plugd.sock',
    'FileDescriptorName=unix',
    'SocketMode=0600',
    'SocketUser=plugd',
    'Backlog=4096',
    'WantedBy=sockets.target',
  ]) {
    t.true(settings(socket).includes(line), line);
  }
  t.deepEqual(
    settings(readFileSync(new URL('../../deploy/plugd.socket', import.meta.url), 'utf8')),
    settings(socket),
    'the template says what the generator says',
  );
  t.is(renderSystemdUnits(INSTALL), `### plugd.service\n${renderSystemdUnit(INSTALL)}\n### plugd.socket\n${socket}`);
});
