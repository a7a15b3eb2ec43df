// What guards the TCP listener before a client authenticates: a token that
// cannot be read refuses (never crashes), too short a token refuses to start,
// slow strangers are closed and capped, and non-loopback binds (listener or
// metrics) need permission and say what they expose.

import test, { type ExecutionContext } from 'ava';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawSocket } from '../helpers/raw-socket.js';
import { makeHome, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';
import { until } from '../helpers/until.js';

async function tcpDaemon(
  t: ExecutionContext,
  config: object = {},
): Promise<{ daemon: TestDaemon; port: number; token: string }> {
  const daemon = await startDaemon(t, { examples: true, config, args: ['--tcp', '127.0.0.1:0'] });
  const port = Number((await daemon.call('daemon.status')).tcp.split(':')[1]);
  return { daemon, port, token: readFileSync(join(daemon.home, 'token'), 'utf8').trim() };
}

async function openTcp(t: ExecutionContext, port: number): Promise<RawSocket> {
  const raw = await RawSocket.open({ host: '127.0.0.1', port });
  t.teardown(() => raw.close());
  return raw;
}

const auth = (token: string, id: number) => ({ jsonrpc: '2.0', method: 'rpc.auth', params: { token }, id });

test('a token file that cannot be read refuses the attempt and is logged; the daemon lives; a new token works at once', async (t) => {
  const { daemon, port } = await tcpDaemon(t);
  const path = join(daemon.home, 'token');
  rmSync(path);
  mkdirSync(path); // EISDIR on every read.
  const raw = await openTcp(t, port);
  t.is((await raw.request(auth('x'.repeat(64), 1))).error.code, -32004);
  t.is((await daemon.call('daemon.status')).pid, daemon.pid, 'the daemon still serves');
  await until(
    () => Promise.resolve(daemon.output()),
    (log) => log.includes('cannot read the token'),
  );

  rmSync(path, { recursive: true });
  writeFileSync(path, '\n', { mode: 0o600 });
  const empty = await openTcp(t, port);
  t.is((await empty.request(auth('', 1))).error.code, -32004, 'an empty token authenticates nobody');

  const fresh = 'f'.repeat(64);
  writeFileSync(path, `${fresh}\n`, { mode: 0o600 });
  const again = await openTcp(t, port);
  t.deepEqual((await again.request(auth(fresh, 1))).result, { authenticated: true });
});

test('strangers that do not authenticate are closed at authTimeoutMs; an authenticated client keeps being served', async (t) => {
  const { port, token } = await tcpDaemon(t, { limits: { authTimeoutMs: 2000, maxUnauthenticatedConnections: 2 } });
  const member = await openTcp(t, port);
  t.deepEqual((await member.request(auth(token, 1))).result, { authenticated: true });
  const strangers = [await openTcp(t, port), await openTcp(t, port)];
  strangers[0].send('P'); // One byte of what could be an HTTP request line.
  strangers[1].send('\n'); // A blank line, as a keep-alive.
  t.deepEqual((await member.request({ jsonrpc: '2.0', method: 'echo.say', params: { text: 'in' }, id: 2 })).result, {
    text: 'in',
  });
  await until(() => Promise.resolve(strangers.every((stranger) => stranger.closed)), Boolean);
  const later = await openTcp(t, port);
  t.deepEqual((await later.request(auth(token, 1))).result, { authenticated: true });
});

test('at maxUnauthenticatedConnections the oldest stranger is closed: the token holder gets in, and the log counts the closes', async (t) => {
  const { daemon, port, token } = await tcpDaemon(t, {
    limits: { authTimeoutMs: 60_000, maxUnauthenticatedConnections: 4 },
  });
  const strangers: RawSocket[] = [];
  for (let index = 0; index < 4; index++) strangers.push(await openTcp(t, port));
  // One that reconnects in a loop, to keep every slot taken.
  for (let index = 0; index < 10; index++) strangers.push(await openTcp(t, port));
  const holder = await openTcp(t, port);
  const status = { jsonrpc: '2.0', method: 'daemon.status', id: 2, auth: token };
  t.is((await holder.request(status)).result.pid, daemon.pid, 'the token holder is served past the strangers');
  await until(() => Promise.resolve(strangers.slice(0, 11).every((stranger) => stranger.closed)), Boolean);
  t.false(
    strangers.slice(11).some((stranger) => stranger.closed),
    'only the oldest went: the newest three wait for their deadline',
  );
  const logged = await until(
    () => Promise.resolve(daemon.output()),
    (log) => /11 since start\)/.test(log),
  );
  t.regex(
    logged,
    /closed \d+ unauthenticated TCP connection\(s\), the oldest, to admit newer ones \(limits\.maxUnauthenticatedConnections 4; \d+ since start\)/,
  );
  t.deepEqual((await holder.request({ jsonrpc: '2.0', method: 'echo.say', params: { text: 'still' }, id: 3 })).result, {
    text: 'still',
  });
});

test('an HTTP request whose headers never end is closed at authTimeoutMs, on the unix socket too', async (t) => {
  const daemon = await startDaemon(t, { config: { limits: { authTimeoutMs: 300 } } });
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  raw.send('POST / HTTP/1.1\r\nHost: x\r\n');
  await until(() => Promise.resolve(raw.closed), Boolean);
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
});

test('the TCP listener refuses to start with a token shorter than 32 characters, naming the file', async (t) => {
  const { home } = makeHome(t);
  writeFileSync(join(home, 'token'), 'short\n', { mode: 0o600 });
  cleanUpDaemonOf(t, home);
  const started = await runCli(['--home', home, 'start', '--tcp', '127.0.0.1:0']);
  t.is(started.code, 1);
  t.true(
    started.stderr.includes(`the token in ${join(home, 'token')} has 5 characters, at least 32 needed`),
    started.stderr,
  );
});

test('a token file readable by others is a warning on the terminal and in the log', async (t) => {
  const { home } = makeHome(t);
  const path = join(home, 'token');
  writeFileSync(path, `${'a'.repeat(64)}\n`);
  chmodSync(path, 0o644);
  cleanUpDaemonOf(t, home);
  const started = await runCli(['--home', home, 'start', '--tcp', '127.0.0.1:0']);
  t.is(started.code, 0, started.stderr);
  t.true(started.stderr.includes(`warning: the token file ${path} is readable by other users`), started.stderr);
  t.regex(readFileSync(join(home, 'plugd.log'), 'utf8'), /the token file .* is readable by other users/);
  t.is((await runCli(['--home', home, 'stop'])).code, 0);
});

test('--tcp-allow-remote without TLS warns on the terminal', async (t) => {
  const { home } = makeHome(t);
  cleanUpDaemonOf(t, home);
  // A documentation address (TEST-NET-1): the bind fails, so nothing listens beyond this machine.
  const started = await runCli(['--home', home, 'start', '--tcp', '192.0.2.1:0', '--tcp-allow-remote']);
  t.true(
    started.stderr.includes('warning: the TCP listener on 192.0.2.1:0 is reachable from other machines without TLS'),
    started.stderr,
  );
});

test('--metrics on a non-loopback address needs --tcp-allow-remote, as --tcp does', async (t) => {
  const { home } = makeHome(t);
  cleanUpDaemonOf(t, home);
  const started = await runCli(['--home', home, 'start', '--metrics', '0.0.0.0:0']);
  t.is(started.code, 1);
  t.regex(
    started.stderr,
    /refusing to serve metrics on 0\.0\.0\.0:0: not a loopback address \(allow it with --tcp-allow-remote\)/,
  );
});
