// The daemon's life as a user drives it: `plugd start` (detached) and
// `plugd stop`, a second start, stale pidfile and socket, file modes, signals.

import test from 'ava';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { isProcessAlive } from '../../core/home/process-alive.js';
import { makeHome, runCli, startDaemon } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';
import { heldHandler, latch } from '../helpers/latch.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { until } from '../helpers/until.js';

async function waitUntilGone(pid: number): Promise<void> {
  await until(
    async () => isProcessAlive(pid),
    (alive) => !alive,
  );
}

test('plugd start daemonizes, answers, refuses a second start; plugd stop leaves nothing behind', async (t) => {
  const { home } = makeHome(t);
  cleanUpDaemonOf(t, home);

  const started = await runCli(['--home', home, 'start']);
  t.is(started.code, 0, started.stderr);
  const match = /^plugd started \(pid (\d+)\)$/m.exec(started.stdout);
  t.truthy(match, started.stdout);
  const pid = Number(match![1]);
  t.true(isProcessAlive(pid));
  t.is(Number(readFileSync(join(home, 'plugd.pid'), 'utf8')), pid);
  t.is(statSync(join(home, 'plugd.sock')).mode & 0o777, 0o600);
  t.is(statSync(home).mode & 0o777, 0o700);

  const methods = await runCli(['--home', home, 'call', 'system.listMethods']);
  t.is(methods.code, 0);
  const names = JSON.parse(methods.stdout);
  for (const builtin of [
    'daemon.status',
    'daemon.stop',
    'daemon.reload',
    'daemon.upgrade',
    'plugins.list',
    'plugins.reload',
    'plugins.load',
    'plugins.unload',
    'system.listMethods',
    'system.methodHelp',
    'system.methodSignature',
    'rpc.discover',
  ]) {
    t.true(names.includes(builtin), builtin);
  }

  const second = await runCli(['--home', home, 'start']);
  t.is(second.code, 1);
  t.is(second.stderr.trim(), `plugd is already running (pid ${pid})`);

  const stopped = await runCli(['--home', home, 'stop']);
  t.is(stopped.code, 0, stopped.stderr);
  await waitUntilGone(pid);
  t.false(existsSync(join(home, 'plugd.sock')));
  t.false(existsSync(join(home, 'plugd.pid')));

  const after = await runCli(['--home', home, 'call', 'daemon.status']);
  t.is(after.code, 3);
  t.is(after.stderr.trim(), `plugd is not running (no socket at ${join(home, 'plugd.sock')})`);
  t.is((await runCli(['--home', home, 'stop'])).code, 3);
});

test('a stale pidfile and socket left by a killed daemon do not stop the next start', async (t) => {
  const first = await startDaemon(t);
  first.signal('SIGKILL');
  await first.exited;
  t.true(existsSync(join(first.home, 'plugd.pid')));
  t.true(existsSync(join(first.home, 'plugd.sock')));

  cleanUpDaemonOf(t, first.home);
  const started = await runCli(['--home', first.home, 'start']);
  t.is(started.code, 0, started.stderr);
  const status = await runCli(['--home', first.home, 'call', 'daemon.status']);
  t.not(JSON.parse(status.stdout).pid, first.pid);
  t.is((await runCli(['--home', first.home, 'stop'])).code, 0);
});

test('a pidfile naming a dead process is replaced', async (t) => {
  const { home } = makeHome(t);
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => dead.on('exit', resolve));
  writeFileSync(join(home, 'plugd.pid'), `${dead.pid}\n`);
  cleanUpDaemonOf(t, home);
  const started = await runCli(['--home', home, 'start']);
  t.is(started.code, 0, started.stderr);
  t.is((await runCli(['--home', home, 'stop'])).code, 0);
});

test('a socket file that another process listens on is not stolen', async (t) => {
  const { home } = makeHome(t);
  const squatter = createServer(() => undefined);
  await new Promise<void>((resolve) => squatter.listen(join(home, 'plugd.sock'), resolve));
  t.teardown(() => squatter.close());
  const started = await runCli(['--home', home, 'start']);
  cleanUpDaemonOf(t, home);
  t.is(started.code, 1);
  t.regex(started.stderr, /another process is listening on .*plugd\.sock/);
  t.false(existsSync(join(home, 'plugd.pid')));
});

test('SIGTERM answers the calls in flight, then removes socket and pidfile and exits 0', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'slow.plugin.js': `export default { setup(ctx) {
        ctx.rpc.method('wait', {}, ${heldHandler("'done'")});
      } }`,
    },
  });
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  const held = latch(daemon.home);
  raw.send(
    Array.from(
      { length: 20 },
      (_, id) => JSON.stringify({ jsonrpc: '2.0', method: 'slow.wait', params: held.params, id }) + '\n',
    ).join(''),
  );
  await held.entered(20);
  daemon.signal('SIGTERM');
  // The calls are released only once the daemon is stopping: it answers them before it goes.
  await until(
    async () => daemon.output(),
    (text) => text.includes('"msg":"stopping"'),
  );
  held.release();
  const answers = await raw.read(20);
  t.true(answers.every((answer) => answer.result === 'done'));
  t.is(await daemon.exited, 0);
  t.false(existsSync(join(daemon.home, 'plugd.sock')));
  t.false(existsSync(join(daemon.home, 'plugd.pid')));
});

test('SIGINT stops too; SIGHUP reopens the log and keeps serving', async (t) => {
  const daemon = await startDaemon(t);
  const log = join(daemon.home, 'plugd.log');
  const read = async (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  await until(
    () => read(log),
    (text) => text.includes(' ready on '),
  );
  // As logrotate does: move the file away, then SIGHUP; the next lines go to a new file at the old path.
  renameSync(log, `${log}.1`);
  daemon.signal('SIGHUP');
  await until(
    () => read(log),
    (text) => text.includes('reloaded on SIGHUP'),
  );
  t.false((await read(`${log}.1`)).includes('reloaded on SIGHUP'));
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
  daemon.signal('SIGINT');
  t.is(await daemon.exited, 0);
});

test('plugd call reports JSON-RPC errors as one line and exits 1', async (t) => {
  const daemon = await startDaemon(t);
  const unknown = await runCli(['--home', daemon.home, 'call', 'no.such']);
  t.is(unknown.code, 1);
  t.is(unknown.stderr, 'error -32601: Method not found: no.such\n');
  const badJson = await runCli(['--home', daemon.home, 'call', 'daemon.status', '{nope']);
  t.is(badJson.code, 1);
  t.regex(badJson.stderr, /^params are not valid JSON: .*\n$/);
  const status = await runCli(['--home', daemon.home, 'status', '--json']);
  t.is(JSON.parse(status.stdout).pid, daemon.pid);
});

test('a bad plugd.json is a clear startup error naming the unknown key', async (t) => {
  const { home } = makeHome(t, { config: { pluginDir: 'plugins', colour: 'blue' } });
  cleanUpDaemonOf(t, home);
  const started = await runCli(['--home', home, 'start']);
  t.is(started.code, 1);
  t.regex(started.stderr, /plugd\.json: config has an unknown member "colour"/);
  t.false(existsSync(join(home, 'plugd.pid')));
});

test('plugd logs prints the daemon log; plugd status and plugd plugins read well piped', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const logs = await runCli(['--home', daemon.home, 'logs']);
  t.is(logs.code, 0);
  t.regex(logs.stdout, /"msg":"plugd [\d.]+ ready on .*plugd\.sock"/);
  const plugins = await runCli(['--home', daemon.home, 'plugins']);
  t.regex(plugins.stdout, /^counter +ready/m);
  t.regex(plugins.stdout, /^echo +ready .*echo\.say/m);
  const status = await runCli(['--home', daemon.home, 'status']);
  t.is(status.code, 0);
  t.notRegex(status.stdout, /\u001b\[/); // No colour codes when piped.
  t.regex(status.stdout, /echo +ready/);
});
