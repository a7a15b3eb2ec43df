// plugd under systemd: what it tells the notification socket (READY=1,
// STATUS=, RELOADING=1, WATCHDOG=1, STOPPING=1), and socket activation (it
// serves the sockets it is handed and never removes a socket file it did not
// bind), with a launcher of our own and with systemd-socket-activate.

import test, { type ExecutionContext } from 'ava';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, EXAMPLE_PLUGINS, killOnExit, makeHome, startDaemon } from '../helpers/daemon.js';
import { listenForNotifications } from '../helpers/notify-socket.js';
import { until } from '../helpers/until.js';
import { RpcClient } from '../../core/cli/client.js';
import { loadShm } from '../../core/channel/shm.js';

const addon = loadShm();
const withAddon = addon ? test : test.skip;
const socketActivate = (() => {
  try {
    return execFileSync('which', ['systemd-socket-activate'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();

withAddon(
  `${addon ? '' : '(skipped: the sab-shm addon is not built) '}under NOTIFY_SOCKET: READY=1 with STATUS=, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1`,
  async (t) => {
    const folder = makeHome(t).home;
    const notify = await listenForNotifications(t, folder);
    const daemon = await startDaemon(t, {
      plugins: { 'counter.plugin.ts': readFileSync(join(EXAMPLE_PLUGINS, 'counter.plugin.ts'), 'utf8') },
      env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '400000' },
    });
    const ready = await notify.waitFor((line) => line === 'READY=1');
    t.true(ready.includes('STATUS=1 plugin ready, 0 failed'), ready.join(' | '));
    // READY=1 comes once the daemon serves: its status answers by then.
    t.is((await daemon.call('daemon.status')).pid, daemon.pid);
    const pings = () => notify.messages.filter((message) => message.includes('WATCHDOG=1')).length;
    await until(
      async () => pings(),
      (count) => count >= 3,
    );

    const readies = () => notify.messages.filter((message) => message.includes('READY=1')).length;
    daemon.signal('SIGHUP');
    const reloading = await notify.waitFor((line) => line === 'RELOADING=1');
    t.true(
      reloading.some((line) => /^MONOTONIC_USEC=\d+$/.test(line)),
      reloading.join(' | '),
    );
    await until(
      async () => readies(),
      (count) => count >= 2,
    );

    await daemon.stop();
    await notify.waitFor((line) => line === 'STOPPING=1');
    const order = notify.messages
      .map((message) => message.find((line) => /^(READY|RELOADING|STOPPING)=/.test(line)))
      .filter(Boolean);
    t.deepEqual(order, ['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
  },
);

test('without the addon, the log says systemd notification is unavailable, and the daemon serves', async (t) => {
  const daemon = await startDaemon(t, { env: { NOTIFY_SOCKET: '/nonexistent/notify.sock', PLUGD_NO_SHM: '1' } });
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
  t.regex(daemon.output(), /systemd notification is unavailable \(NOTIFY_SOCKET is set\)/);
});

/** Binds a unix socket, makes it fd 3, and execs node as the same process: what systemd does. */
const LAUNCHER = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o600)
s.listen(128)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="unix")
os.execv(sys.argv[2], sys.argv[2:])
`;

/** Runs `command` (which execs the daemon in the foreground) and waits until the daemon says it runs. */
async function activated(t: ExecutionContext, command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const kill = () => child.kill('SIGKILL');
  t.teardown(kill);
  killOnExit(kill);
  await until(async () => output.includes('running in the foreground') || child.exitCode !== null, Boolean);
  t.true(output.includes('running in the foreground'), output);
  return { child, exited, output: () => output };
}

test('socket activation: a unix socket passed as fd 3 (LISTEN_FDS, LISTEN_PID) is served, and left in place at stop', async (t) => {
  const home = makeHome(t, {
    plugins: { 'echo.plugin.ts': readFileSync(join(EXAMPLE_PLUGINS, 'echo.plugin.ts'), 'utf8') },
  });
  const daemon = await activated(t, 'python3', [
    '-c',
    LAUNCHER,
    home.socket,
    process.execPath,
    CLI,
    'start',
    '--foreground',
    '--home',
    home.home,
  ]);
  const client = await RpcClient.connect(home.socket);
  t.is((await client.call<{ pid: number }>('daemon.status')).pid, daemon.child.pid!);
  t.deepEqual(await client.call('echo.say', { text: 'hi' }), await client.call('echo.say', { text: 'hi' }));
  client.close();
  daemon.child.kill('SIGTERM');
  t.is(await daemon.exited, 0);
  t.true(existsSync(home.socket), 'the socket file the daemon did not bind is not removed');
  t.false(existsSync(home.pidfile));
});

(socketActivate ? test : test.skip)(
  `${socketActivate ? '' : '(skipped: systemd-socket-activate is not installed) '}systemd-socket-activate starts plugd on a passed unix socket`,
  async (t) => {
    const home = makeHome(t);
    // It execs plugd at the first connection: the call waits in the socket's queue meanwhile.
    const child = spawn(
      socketActivate,
      ['-l', home.socket, '--fdname=unix', process.execPath, CLI, 'start', '--foreground', '--home', home.home],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const kill = () => child.kill('SIGKILL');
    t.teardown(kill);
    killOnExit(kill);
    // The socket file exists from its bind(), a moment before its listen(): a connect in between is refused.
    const client = (await until(async () => RpcClient.connect(home.socket).catch(() => undefined), Boolean))!;
    t.is((await client.call<{ pid: number }>('daemon.status')).pid, child.pid!);
    client.close();
    child.kill('SIGTERM');
    t.is(await exited, 0);
    t.true(existsSync(home.socket));
  },
);
