// The daemon's home and its files, taken carefully: another process's socket
// is left alone, a socket path over the kernel's limit fails cleanly, a stale
// pidfile naming an unrelated process signals nothing, and a home that is
// not this user's own (or open to others, or a file) is refused.

import test from 'ava';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { isProcessAlive } from '../../core/home/process-alive.js';
import { CLI, killOnExit, makeHome, runCli } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';

/** Pids of processes whose environment or command line mentions `text` (a daemon started for a home). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return [`/proc/${pid}/environ`, `/proc/${pid}/cmdline`].some((file) =>
          readFileSync(file, 'utf8').includes(text),
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('a failed start leaves the socket of the process listening there reachable', async (t) => {
  const { home } = makeHome(t);
  const socket = join(home, 'plugd.sock');
  const squatter = createServer((connection) => {
    connection.on('error', () => undefined); // The daemon's probe hangs up at once.
    connection.end('still here\n');
  });
  await new Promise<void>((resolve) => squatter.listen(socket, resolve));
  t.teardown(() => squatter.close());
  for (const args of [['start'], ['start', '--foreground']]) {
    const started = await runCli(['--home', home, ...args]);
    t.is(started.code, 1, args.join(' '));
    t.regex(started.stderr, /another process is listening on .*plugd\.sock/);
  }
  t.true(existsSync(socket));
  const answer = await new Promise<string>((resolve, reject) => {
    const client = connect(socket);
    let text = '';
    client.on('data', (chunk) => (text += chunk));
    client.on('end', () => resolve(text));
    client.on('error', reject);
  });
  t.is(answer, 'still here\n');
  t.false(existsSync(join(home, 'plugd.pid')));
});

test('a socket path over 106 bytes fails the start with the reason, and leaves no daemon behind', async (t) => {
  const { home: base } = makeHome(t);
  const home = join(base, 'd'.repeat(100));
  const socket = join(home, 'plugd.sock');
  for (const args of [['start'], ['start', '--foreground']]) {
    const started = await runCli(['--home', home, ...args]);
    t.is(started.code, 1, args.join(' '));
    t.is(
      started.stderr.trim(),
      `socket path too long (${Buffer.byteLength(socket)} bytes, at most 106): use a shorter --home`,
    );
  }
  t.false(existsSync(join(home, 'plugd.pid')));
  t.deepEqual(processesMentioning(home), [], 'no daemon left running');
});

test('a stale pidfile naming an unrelated live process: stop and status say not running and signal nothing; start replaces it', async (t) => {
  const { home } = makeHome(t);
  const sleeper = spawn('sleep', ['60']);
  killOnExit(() => sleeper.kill('SIGKILL'));
  t.teardown(() => sleeper.kill('SIGKILL'));
  writeFileSync(join(home, 'plugd.pid'), `${sleeper.pid}\n`);

  const stopped = await runCli(['--home', home, 'stop']);
  t.is(stopped.code, 3, stopped.stderr);
  t.regex(stopped.stderr, /not running/);
  t.is((await runCli(['--home', home, 'status'])).code, 3);
  t.true(isProcessAlive(sleeper.pid!), 'the unrelated process lives');
  t.is(sleeper.signalCode, null);

  cleanUpDaemonOf(t, home);
  const started = await runCli(['--home', home, 'start']);
  t.is(started.code, 0, started.stderr);
  t.not(Number(readFileSync(join(home, 'plugd.pid'), 'utf8')), sleeper.pid);
  t.is((await runCli(['--home', home, 'stop'])).code, 0);
  t.true(isProcessAlive(sleeper.pid!));
});

test('an existing home open to other users is refused, never chmod-ed', async (t) => {
  const { home: base } = makeHome(t);
  const open = join(base, 'open');
  mkdirSync(open);
  chmodSync(open, 0o755);
  for (const args of [['start'], ['start', '--foreground']]) {
    const started = await runCli(['--home', open, ...args]);
    t.is(started.code, 1);
    t.true(started.stderr.includes(`chmod 700 ${open} or choose another home`), started.stderr);
  }
  t.is(statSync(open).mode & 0o777, 0o755);
  t.false(existsSync(join(open, 'plugd.log')));
});

test('a home owned by another user is refused, with the reason', async (t) => {
  const { home: base } = makeHome(t);
  const theirs = join(base, 'theirs');
  mkdirSync(theirs, { mode: 0o700 });
  // As root, hand the folder to nobody; otherwise / is someone else's already.
  const home = process.getuid!() === 0 ? (chownSync(theirs, 65534, 65534), theirs) : '/';
  const started = await runCli(['--home', home, 'start', '--foreground']);
  t.is(started.code, 1);
  t.regex(started.stderr, /refusing home .*: it is owned by uid \d+, not by this user/);
});

test('--home pointing at a file says so, for start and for the commands that talk to a daemon', async (t) => {
  const { home: base } = makeHome(t);
  const file = join(base, 'a-file');
  writeFileSync(file, '');
  for (const args of [['start'], ['start', '--foreground'], ['status'], ['call', 'daemon.status']]) {
    const result = await runCli(['--home', file, ...args]);
    t.is(result.code, 1, args.join(' '));
    t.is(result.stderr.trim(), `${file} is a file, not a folder: --home takes a folder`);
  }
});

test('an empty PLUGD_HOME counts as unset, not as the current folder', async (t) => {
  const { home: cwd } = makeHome(t);
  const { home: fake } = makeHome(t);
  const result = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'status', '--json'], {
      cwd,
      env: { ...process.env, PLUGD_HOME: '', HOME: fake },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', () => resolve(stderr));
  });
  t.true(result.includes(join(fake, '.plugd', 'plugd.sock')), result);
});

test('the log in the home is not opened through a symlink', async (t) => {
  const { home } = makeHome(t);
  const { home: elsewhere } = makeHome(t);
  const target = join(elsewhere, 'precious');
  writeFileSync(target, 'keep me\n');
  symlinkSync(target, join(home, 'plugd.log'));
  for (const args of [['start'], ['start', '--foreground']]) {
    const started = await runCli(['--home', home, ...args]);
    t.is(started.code, 1);
    t.regex(started.stderr, /plugd\.log is a symbolic link: plugd does not follow links in its home/);
  }
  t.is(readFileSync(target, 'utf8'), 'keep me\n');
});
