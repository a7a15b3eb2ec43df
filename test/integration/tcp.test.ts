// The TCP listener: nothing runs without the token; with it, everything works
// as over the unix socket.

import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { RawSocket } from '../helpers/raw-socket.js';
import { makeHome, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';

async function tcpDaemon(
  t: Parameters<typeof startDaemon>[0],
): Promise<{ daemon: TestDaemon; host: string; port: number; token: string }> {
  const daemon = await startDaemon(t, { examples: true, args: ['--tcp', '127.0.0.1:0'] });
  const [host, port] = (await daemon.call('daemon.status')).tcp.split(':');
  return { daemon, host, port: Number(port), token: readFileSync(join(daemon.home, 'token'), 'utf8').trim() };
}

async function openTcp(t: Parameters<typeof startDaemon>[0], port: number): Promise<RawSocket> {
  const raw = await RawSocket.open({ host: '127.0.0.1', port });
  t.teardown(() => raw.close());
  return raw;
}

test('over TCP no method runs without the token, and a few failures close the connection', async (t) => {
  const { daemon, port } = await tcpDaemon(t);
  t.is(statSync(join(daemon.home, 'token')).mode & 0o777, 0o600);
  const raw = await openTcp(t, port);
  for (const method of ['daemon.status', 'echo.say']) {
    const answer = await raw.request({ jsonrpc: '2.0', method, params: { text: 'x' }, id: method });
    t.deepEqual(answer.error.code, -32004, method);
    t.is(answer.id, method);
  }
  const wrong = await raw.request({ jsonrpc: '2.0', method: 'rpc.auth', params: { token: 'guess' }, id: 3 });
  t.is(wrong.error.code, -32004);
  await t.throwsAsync(raw.read(1, 5000), { message: /closed/ });
});

test('with the token (rpc.auth or an auth member), TCP serves built-ins and plugins alike', async (t) => {
  const { daemon, port, token } = await tcpDaemon(t);
  const viaAuthCall = await openTcp(t, port);
  t.deepEqual((await viaAuthCall.request({ jsonrpc: '2.0', method: 'rpc.auth', params: { token }, id: 1 })).result, {
    authenticated: true,
  });
  // `"id": null` is a request like any other: it is answered.
  const byNullId = await openTcp(t, port);
  t.deepEqual(await byNullId.request({ jsonrpc: '2.0', method: 'rpc.auth', params: { token }, id: null }), {
    jsonrpc: '2.0',
    result: { authenticated: true },
    id: null,
  });
  t.deepEqual(
    (await viaAuthCall.request({ jsonrpc: '2.0', method: 'echo.say', params: { text: 'hi' }, id: 2 })).result,
    { text: 'hi' },
  );
  t.is((await viaAuthCall.request({ jsonrpc: '2.0', method: 'daemon.status', id: 3 })).result.pid, daemon.pid);

  const viaMember = await openTcp(t, port);
  t.deepEqual(
    (await viaMember.request({ jsonrpc: '2.0', method: 'echo.say', params: { text: 'yo' }, auth: token, id: 1 }))
      .result,
    { text: 'yo' },
  );
  t.is((await viaMember.request([{ jsonrpc: '2.0', method: 'system.listMethods', id: 2 }]))[0].id, 2);

  const cli = await runCli(['--home', daemon.home, 'call', '--tcp', `127.0.0.1:${port}`, 'echo.say', '{"text":"cli"}']);
  t.is(cli.code, 0, cli.stderr);
  t.deepEqual(JSON.parse(cli.stdout), { text: 'cli' });
});

test('HTTP over TCP needs a bearer token', async (t) => {
  const { port, token } = await tcpDaemon(t);
  const post = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', method: 'echo.say', params: { text: 'http' }, id: 1 }));
    });
  const refused = await post({});
  t.is(refused.status, 401);
  t.is(JSON.parse(refused.body).error.code, -32004);
  t.is((await post({ authorization: 'Bearer wrong' })).status, 401);
  const served = await post({ authorization: `Bearer ${token}` });
  t.is(served.status, 200);
  t.deepEqual(JSON.parse(served.body).result, { text: 'http' });
});

test('plugd token --rotate replaces the token; the old one no longer opens a connection', async (t) => {
  const { daemon, port, token } = await tcpDaemon(t);
  const rotated = await runCli(['--home', daemon.home, 'token', '--rotate']);
  t.is(rotated.code, 0);
  const fresh = rotated.stdout.trim();
  t.regex(fresh, /^[0-9a-f]{64}$/);
  t.not(fresh, token);
  const raw = await openTcp(t, port);
  t.is((await raw.request({ jsonrpc: '2.0', method: 'rpc.auth', params: { token }, id: 1 })).error.code, -32004);
  t.deepEqual((await raw.request({ jsonrpc: '2.0', method: 'rpc.auth', params: { token: fresh }, id: 2 })).result, {
    authenticated: true,
  });
});

test('a non-loopback TCP address needs --tcp-allow-remote', async (t) => {
  const { home } = makeHome(t);
  const refused = await runCli(['--home', home, 'start', '--foreground', '--tcp', '0.0.0.0:0']);
  t.is(refused.code, 1);
  t.regex(
    refused.stderr,
    /refusing to listen on 0\.0\.0\.0:0: not a loopback address \(allow it with --tcp-allow-remote\)/,
  );
});

test('an IPv6 listener is shown as [::1]:PORT by status and plugd dashboard, and that address works given back to --tcp', async (t) => {
  const daemon = await startDaemon(t, { examples: true, args: ['--tcp', '[::1]:0'] });
  const tcp: string = (await daemon.call('daemon.status')).tcp;
  t.regex(tcp, /^\[::1\]:\d+$/);
  const status = await runCli(['--home', daemon.home, 'status', '--json']);
  t.is(JSON.parse(status.stdout).tcp, tcp);
  const dashboard = await runCli(['--home', daemon.home, 'dashboard']);
  t.is(dashboard.code, 0, dashboard.stderr);
  t.true(dashboard.stdout.startsWith(`http://${tcp}/`), dashboard.stdout);
  const call = await runCli(['--home', daemon.home, 'call', '--tcp', tcp, 'echo.say', '{"text":"v6"}']);
  t.is(call.code, 0, call.stderr);
  t.deepEqual(JSON.parse(call.stdout), { text: 'v6' });
});
