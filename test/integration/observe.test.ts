// What an operator sees: `plugd status` and `plugd top` against a real daemon
// with five plugins under load, one of them crash-looping until it fails; the
// live view in a real terminal (tmux); and the deployment kit checked by the
// tools that judge it, where they exist here.

import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DaemonMetrics } from '../../core/contract/daemon.js';
import { formatMs } from '../../core/contract/units.js';
import { CLI, ROOT, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const run = promisify(execFile);

/** Whether a tool answers here. Decided before the tests are declared, so a test that needs a missing one is a skip. */
const answers = (command: string, args: string[]) =>
  run(command, args, { timeout: 20_000 }).then(
    () => true,
    () => false,
  );
const [hasTmux, hasSystemdAnalyze, hasContainerEngine] = await Promise.all([
  answers('tmux', ['-V']),
  answers('systemd-analyze', ['--version']),
  answers('docker', ['info']),
]);

/** `test` where the tool is here; otherwise `test.skip`, with the reason in the title. */
function testWith(
  available: boolean,
  missing: string,
): (title: string, body: (t: ExecutionContext) => Promise<void>) => void {
  return (title, body) => (available ? test(title, body) : test.skip(`${title} (skipped: ${missing})`, body));
}

const supervision = {
  drainTimeoutMs: 2000,
  heartbeatTimeoutMs: 1000,
  restart: { initialDelayMs: 20, maxDelayMs: 200, maxCrashes: 3, windowMs: 60_000 },
};

/** How long slow.work takes at the least. */
const SLOW_MS = 50;

const PLUGINS = {
  'slow.plugin.js': `export default { setup(ctx) {
    ctx.rpc.method('work', {}, () => new Promise((resolve) => setTimeout(() => resolve('done'), ${SLOW_MS})));
  } };`,
  'hog.plugin.js': `const hoard = [];
  export default { setup(ctx) {
    for (let i = 0; i < 20; i++) hoard.push(new Array(100_000).fill(i));
    ctx.rpc.method('fail', {}, () => { throw new Error('no room'); });
  } };`,
  // Serves for a moment after each start, then exits: a crash loop that ends in failed.
  'crashy.plugin.js': `export default { setup(ctx) {
    ctx.rpc.method('ok', {}, () => 'ok');
    setTimeout(() => process.exit(1), 150);
  } };`,
};

const ESCAPE = /\u001b\[/;

async function startFleet(t: ExecutionContext): Promise<TestDaemon> {
  const daemon = await startDaemon(t, { examples: true, plugins: PLUGINS, config: { supervision } });
  await until(
    () => daemon.call<DaemonMetrics>('daemon.metrics'),
    ({ plugins }) => plugins.crashy?.state === 'failed',
  );
  return daemon;
}

/** Calls from several clients at once: echo is busy, slow is slow, hog fails. */
async function load(daemon: TestDaemon, echoes: number): Promise<void> {
  const clients = await Promise.all([daemon.client(), daemon.client(), daemon.client()]);
  await Promise.all([
    ...Array.from({ length: echoes }, (_, index) => clients[index % 3].call('echo.say', { text: `call ${index}` })),
    ...Array.from({ length: 5 }, () => clients[1].call('slow.work')),
    ...Array.from({ length: 3 }, () => clients[2].call('hog.fail').catch(() => undefined)),
  ]);
}

/** The cells of the table row starting with `name` (cells are two or more spaces apart). */
function row(text: string, name: string): string[] {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no row for ${name} in:\n${text}`);
  return line.trim().split(/\s{2,}/);
}

/** The figures of a view that hold still while no call is made, against `daemon.metrics`. */
function assertAgreement(t: ExecutionContext, text: string, metrics: DaemonMetrics): void {
  const header = row(text, 'NAME');
  const cell = (cells: string[], column: string) => cells[header.indexOf(column)];
  for (const [name, figures] of Object.entries(metrics.plugins)) {
    const cells = row(text, name);
    const errors = Object.values(figures.errors).reduce((sum, count) => sum + count, 0);
    t.is(cell(cells, 'STATE'), figures.state, `${name} state`);
    t.is(cell(cells, 'CALLS'), String(figures.calls), `${name} calls`);
    t.is(cell(cells, 'ERRORS'), String(errors), `${name} errors`);
    t.is(cell(cells, 'RESTARTS'), String(figures.restarts), `${name} restarts`);
    t.is(cell(cells, 'P99 MS'), figures.calls > 0 ? formatMs(figures.latencyMs.p99) : '-', `${name} p99`);
  }
}

async function cli(daemon: TestDaemon, ...args: string[]): Promise<string> {
  const result = await runCli(['--home', daemon.home, ...args]);
  if (result.code !== 0) throw new Error(`plugd ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

test('status and top --once show who is slow, who fails and who uses memory, as daemon.metrics has it', async (t) => {
  const daemon = await startFleet(t);
  await load(daemon, 60);
  const [status, frame] = [await cli(daemon, 'status'), await cli(daemon, 'top', '--once')];
  const metrics = await daemon.call<DaemonMetrics>('daemon.metrics');
  t.log(`plugd status:\n${status}\nplugd top --once:\n${frame}`);

  for (const text of [status, frame]) {
    t.notRegex(text, ESCAPE, 'no escape codes into a pipe');
    t.regex(text, new RegExp(`pid ${daemon.pid}`));
    assertAgreement(t, text, metrics);
    t.deepEqual(row(text, 'crashy').slice(0, 2), ['crashy', 'failed']);
    t.is(row(text, 'crashy')[7], String(supervision.restart.maxCrashes - 1), 'restarts before the cap');
    t.regex(text, /crashy: exited with code 1/);
  }
  t.is(frame.split('\n')[4].split(/\s+/)[0], 'crashy', 'top puts the failed plugin first');
  t.true(Number(row(status, 'slow')[5]) >= SLOW_MS, 'the slow plugin shows its floor of latency');
  t.true(metrics.plugins.hog.heap!.used > metrics.plugins.echo.heap!.used, 'the hog holds more heap');
});

test('the figures move when calls are made', async (t) => {
  const daemon = await startFleet(t);
  const calls = (text: string) => Number(row(text, 'echo')[3]);
  const before = [await cli(daemon, 'status'), await cli(daemon, 'top', '--once', '--sort', 'calls')];
  await load(daemon, 25);
  const after = [await cli(daemon, 'status'), await cli(daemon, 'top', '--once', '--sort', 'calls')];
  t.deepEqual(
    after.map(calls),
    before.map((text) => calls(text) + 25),
  );
  t.true(Number(row(after[0], 'hog')[6]) > Number(row(before[0], 'hog')[6]), 'the errors count');
  t.is(after[1].split('\n')[4].split(/\s+/)[0], 'echo', 'sorted by calls, the busy plugin is first');
});

test('top without a terminal asks for --once; a bad --sort is named', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const live = await runCli(['--home', daemon.home, 'top']);
  t.is(live.code, 1);
  t.regex(live.stderr, /needs a terminal; use --once/);
  const badSort = await runCli(['--home', daemon.home, 'top', '--once', '--sort', 'size']);
  t.is(badSort.code, 2);
  t.regex(badSort.stderr, /--sort takes one of name, state, calls/);
});

/** Runs a tmux server of the test's own, gone when the test ends. */
function tmux(t: ExecutionContext): (...args: string[]) => Promise<string> {
  const server = `plugd-observe-${process.pid}`;
  const command = async (...args: string[]) => (await run('tmux', ['-L', server, '-f', '/dev/null', ...args])).stdout;
  t.teardown(() => command('kill-server').catch(() => undefined));
  return command;
}

testWith(hasTmux, 'tmux is not installed')(
  'live top in a terminal: redraws, quits on q and gives the terminal back',
  async (t) => {
    const command = tmux(t);
    const daemon = await startFleet(t);
    // The shell outlives top, so the terminal's state after it is there to read (a dead pane hides its cursor).
    const topThenWait = `${process.execPath} ${CLI} --home ${daemon.home} top --interval 200; echo "top exited $?"; sleep 60`;
    await command('new-session', '-d', '-s', 'top', '-x', '120', '-y', '30', topThenWait);
    const screen = await until(
      () => command('capture-pane', '-p', '-t', 'top'),
      (text) => text.includes('sorted by state'),
    );
    t.log(screen);
    t.regex(screen, /crashy +failed/);
    t.is(
      (await command('display', '-p', '-t', 'top', '#{alternate_on} #{cursor_flag}')).trim(),
      '1 0',
      'alternate screen, cursor hidden',
    );

    await load(daemon, 10);
    await until(
      () => command('capture-pane', '-p', '-t', 'top'),
      (text) => row(text, 'echo')[3] === '10',
    );

    await command('send-keys', '-t', 'top', 'q');
    await until(
      () => command('capture-pane', '-p', '-t', 'top'),
      (text) => text.includes('top exited 0'),
    );
    t.is(
      (await command('display', '-p', '-t', 'top', '#{alternate_on} #{cursor_flag}')).trim(),
      '0 1',
      'main screen back, cursor shown',
    );
  },
);

/** `systemd-analyze verify` of a unit file. Warnings count as failures. */
/** With `socket`, a plugd.socket beside the service, verified with it. */
async function verifyUnit(t: ExecutionContext, unit: string, user = false, socket?: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'plugd.service');
  writeFileSync(file, unit);
  const files = [file];
  if (socket) {
    files.push(join(dir, 'plugd.socket'));
    writeFileSync(files[1], socket);
  }
  // A user manager needs a runtime directory, which a test run may not have.
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  const result = await run('systemd-analyze', ['verify', ...(user ? ['--user'] : []), ...files], { env }).catch(
    (error) => error,
  );
  return `${result.stdout}${result.stderr}`.trim() + (result.code ? `\n(exit ${result.code})` : '');
}

testWith(hasSystemdAnalyze, 'systemd-analyze is not installed')(
  'plugd systemd-unit prints units that systemd-analyze accepts, and so is the template in deploy/',
  async (t) => {
    const daemon = await startDaemon(t, {});
    const system = await cli(daemon, 'systemd-unit', '--only', 'service');
    const user = await cli(daemon, 'systemd-unit', '--user', '--only', 'service');
    t.true(system.includes(`ExecStart=${process.execPath} ${CLI} start --foreground --home ${daemon.home}`));
    t.true(system.includes('ExecReload=/bin/kill -HUP $MAINPID'));
    const socket = await cli(daemon, 'systemd-unit', '--only', 'socket');
    const template = readFileSync(join(ROOT, 'deploy/plugd.service'), 'utf8');
    const socketTemplate = readFileSync(join(ROOT, 'deploy/plugd.socket'), 'utf8');
    const verdicts = [
      await verifyUnit(t, system, false, socket),
      await verifyUnit(t, user, true),
      await verifyUnit(t, template, false, socketTemplate),
    ];
    t.deepEqual(verdicts, ['', '', ''], 'no error and no warning');
  },
);

testWith(hasContainerEngine, 'no container engine answers `docker info` here')(
  'the Dockerfile builds where a container engine runs',
  async (t) => {
    const tag = `plugd-observe-test:${process.pid}`;
    t.teardown(() => run('docker', ['rmi', '-f', tag]).catch(() => undefined));
    await t.notThrowsAsync(
      run('docker', ['build', '-f', join(ROOT, 'deploy/Dockerfile'), '-t', tag, ROOT], { timeout: 600_000 }),
    );
  },
);

test('--metrics serves Prometheus text, one series per plugin, moving with the calls', async (t) => {
  const daemon = await startDaemon(t, { examples: true, args: ['--metrics', '127.0.0.1:0'] });
  const address = (await daemon.call('daemon.status')).metrics as string;
  const scrape = async () => {
    const response = await fetch(`http://${address}/metrics`);
    t.is(response.status, 200);
    return response.text();
  };
  await Promise.all(Array.from({ length: 7 }, () => daemon.call('echo.say', { text: 'x' })));
  await t.throwsAsync(daemon.call('echo.say', { text: 1 }));
  const text = await scrape();
  t.regex(text, /^plugd_plugin_calls_total\{plugin="echo"\} 8$/m);
  t.regex(text, /^plugd_plugin_call_errors_total\{plugin="echo",code="-32602"\} 1$/m);
  t.regex(text, /^plugd_plugin_up\{plugin="counter",state="ready"\} 1$/m);
  t.regex(text, /^plugd_plugin_heap_used_bytes\{plugin="echo"\} \d+/m);
  t.regex(text, /^plugd_process_resident_memory_bytes \d+/m);
});
