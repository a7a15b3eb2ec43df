// The dashboard's doors, at the HTTP level (the browser suite drives the page):
// the token buys a session that travels in a header, never a cookie; a session
// acts only from the dashboard's own origin, Bearer still works for scripts,
// headers are strict; idleness, Log out and rotation end sessions (rotation
// and Log out their open /events streams too), and `plugd dashboard` prints
// the URL or says why it cannot.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { makeHome, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(path, base),
      { method: options.method ?? 'GET', headers: options.headers },
      (incoming) => {
        let body = '';
        incoming.on('data', (chunk) => (body += chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode!, headers: incoming.headers, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const rpc = (method: string, params?: unknown) => JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 });

async function dashboardDaemon(
  t: Parameters<typeof startDaemon>[0],
  config?: object,
): Promise<{ daemon: TestDaemon; base: string; token: string }> {
  const daemon = await startDaemon(t, { examples: true, args: ['--tcp', '127.0.0.1:0'], config });
  const { tcp } = await daemon.call('daemon.status');
  return { daemon, base: `http://${tcp}`, token: readFileSync(join(daemon.home, 'token'), 'utf8').trim() };
}

/** The page's login: the token, from the page's own origin, traded for a session's secret. */
function logInAnswer(base: string, token: string, origin = base): Promise<Answer> {
  return http(base, '/login', { method: 'POST', headers: { authorization: `Bearer ${token}`, origin } });
}

/** The headers of a request on a fresh session. */
async function logIn(base: string, token: string): Promise<Record<string, string>> {
  return { 'x-plugd-session': JSON.parse((await logInAnswer(base, token)).body).session };
}

test('plugd dashboard prints the login URL with the token in the fragment; the page trades it for a session, no cookie', async (t) => {
  const { daemon, base, token } = await dashboardDaemon(t);
  const printed = await runCli(['--home', daemon.home, 'dashboard']);
  t.is(printed.code, 0);
  t.is(printed.stdout.trim(), `${base}/login#token=${token}`);
  t.true(daemon.output().includes(`  web:    ${base}/login#token=${token}\n`), 'the welcome has it too');
  // What the browser asks for with that URL: the fragment stays in the browser.
  const page = await http(base, '/login');
  t.is(page.status, 200);
  t.regex(page.body, /<script type="module" src="\/app.js">/);
  const login = await logInAnswer(base, token);
  t.is(login.status, 200);
  t.is(login.headers['set-cookie'], undefined);
  const { session } = JSON.parse(login.body);
  t.regex(session, /^[\w-]{40,}$/);
  t.false(session.includes(token), 'the session is not the token');
  const status = await http(base, '/', {
    method: 'POST',
    headers: { 'x-plugd-session': session, origin: base },
    body: rpc('daemon.status'),
  });
  t.is(JSON.parse(status.body).result.pid, daemon.pid);
});

test('a wrong token gets 401 and no session; a login from another origin 403; the token in a query 400', async (t) => {
  const { base, token } = await dashboardDaemon(t);
  const wrong = await logInAnswer(base, 'guess');
  t.is(wrong.status, 401);
  t.false(wrong.body.includes('session'));
  t.is((await logInAnswer(base, token, 'http://127.0.0.1:1')).status, 403);
  const query = await http(base, `/login?token=${token}`);
  t.is(query.status, 400);
  t.is(query.headers['set-cookie'], undefined);
});

test('a request that carries only cookies is refused, whatever they hold', async (t) => {
  const { base, token } = await dashboardDaemon(t);
  await logIn(base, token);
  const cookie = 'plugd_session=x; plugd_session_1=a.b';
  t.is(
    (await http(base, '/', { method: 'POST', headers: { cookie, origin: base }, body: rpc('daemon.status') })).status,
    401,
  );
  t.is((await firstEvents(base, { cookie }, /$^/)).status, 401);
});

test('every answer carries a strict CSP (no inline script), nosniff and frame-ancestors none', async (t) => {
  const { base } = await dashboardDaemon(t);
  for (const answer of [
    await http(base, '/'),
    await http(base, '/app.js'),
    await http(base, '/', { method: 'POST', body: rpc('daemon.status') }),
  ]) {
    const csp = String(answer.headers['content-security-policy']);
    t.regex(csp, /script-src 'self'(;|$)/);
    t.regex(csp, /frame-ancestors 'none'/);
    t.false(csp.includes('unsafe-inline'));
    t.is(answer.headers['x-content-type-options'], 'nosniff');
  }
});

/** The first events of the stream, then it hangs up. */
function firstEvents(
  base: string,
  headers: Record<string, string>,
  until: RegExp,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL('/events', base), { headers }, (incoming) => {
      let text = '';
      incoming.on('data', (chunk) => {
        text += chunk;
        if (until.test(text)) {
          outgoing.destroy();
          resolve({ status: incoming.statusCode!, text });
        }
      });
      incoming.on('end', () => resolve({ status: incoming.statusCode!, text }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

test('/events streams figures each second and plugin events as they happen, to a session or a Bearer', async (t) => {
  const { daemon, base, token } = await dashboardDaemon(t);
  t.is((await firstEvents(base, {}, /$^/)).status, 401);
  const session = await logIn(base, token);
  const hello = await firstEvents(base, session, /event: figures\n/);
  t.is(hello.status, 200);
  t.regex(hello.text, /event: hello\ndata: \{"charts"/);
  const paused = firstEvents(base, { authorization: `Bearer ${token}` }, /"kind":"paused","name":"echo"/);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await daemon.call('plugins.pause', { name: 'echo' });
  t.regex((await paused).text, /event: plugin\ndata: \{"kind":"paused","name":"echo"/);
  const reloaded = firstEvents(base, session, /"kind":"reloaded","name":"echo"/);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await daemon.call('plugins.reload', { name: 'echo', force: true });
  t.regex((await reloaded).text, /"kind":"reloaded","name":"echo"/);
});

test('a POST with the session acts only from the dashboard origin: another origin gets 403 and nothing runs', async (t) => {
  const { daemon, base, token } = await dashboardDaemon(t);
  const session = await logIn(base, token);
  const pause = rpc('plugins.pause', { name: 'echo' });
  const strangers: Record<string, string>[] = [
    { origin: 'http://127.0.0.1:1' },
    { origin: 'null' },
    { 'sec-fetch-site': 'same-site' },
    {},
  ];
  for (const headers of strangers) {
    const refused = await http(base, '/', {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json', ...headers },
      body: pause,
    });
    t.is(refused.status, 403, JSON.stringify(headers));
  }
  t.false((await daemon.call('plugins.status', { name: 'echo' })).paused, 'nothing ran');
  const own = await http(base, '/', {
    method: 'POST',
    headers: { ...session, origin: base, 'content-type': 'application/json' },
    body: rpc('echo.say', { text: 'hi' }),
  });
  t.deepEqual(JSON.parse(own.body).result, { text: 'hi' });
  const sameOrigin = await http(base, '/', {
    method: 'POST',
    headers: { ...session, 'sec-fetch-site': 'same-origin' },
    body: rpc('echo.say', { text: 'so' }),
  });
  t.deepEqual(JSON.parse(sameOrigin.body).result, { text: 'so' });
});

test('scripts keep using Authorization: Bearer; without it or a session a POST gets 401', async (t) => {
  const { base, token } = await dashboardDaemon(t);
  const bearer = await http(base, '/', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: rpc('echo.say', { text: 'b' }),
  });
  t.deepEqual(JSON.parse(bearer.body).result, { text: 'b' });
  const forged = await http(base, '/', {
    method: 'POST',
    headers: { 'x-plugd-session': 'a'.repeat(43), origin: base },
    body: rpc('echo.say', { text: 'x' }),
  });
  t.is(forged.status, 401);
});

/** An /events stream held open; `ended` resolves when the daemon ends it. */
function openStream(base: string, headers: Record<string, string>): Promise<{ ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL('/events', base), { headers }, (incoming) => {
      const ended = new Promise<void>((done) => incoming.on('end', done).on('close', done));
      incoming.once('data', () => resolve({ ended, close: () => outgoing.destroy() }));
      incoming.resume();
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

test('plugd token --rotate ends every session and every open /events stream at once', async (t) => {
  const { daemon, base, token } = await dashboardDaemon(t);
  const session = await logIn(base, token);
  const ask = () =>
    http(base, '/', { method: 'POST', headers: { ...session, origin: base }, body: rpc('daemon.status') });
  t.is((await ask()).status, 200);
  const streams = [await openStream(base, session), await openStream(base, { authorization: `Bearer ${token}` })];
  t.teardown(() => streams.forEach((stream) => stream.close()));
  t.is((await runCli(['--home', daemon.home, 'token', '--rotate'])).code, 0);
  // Nothing asks meanwhile: the daemon notices the rotation by itself.
  await Promise.all(streams.map((stream) => stream.ended));
  t.is((await ask()).status, 401);
  t.is((await firstEvents(base, session, /$^/)).status, 401);
});

test('Log out ends the session on the daemon, and its open stream', async (t) => {
  const { base, token } = await dashboardDaemon(t);
  const session = await logIn(base, token);
  const other = await logIn(base, token);
  const stream = await openStream(base, session);
  t.teardown(() => stream.close());
  t.is(
    (await http(base, '/logout', { method: 'POST', headers: { ...session, origin: 'http://127.0.0.1:1' } })).status,
    403,
    'not from another origin',
  );
  t.is((await http(base, '/logout', { method: 'POST', headers: { ...session, origin: base } })).status, 204);
  await stream.ended;
  t.is(
    (await http(base, '/', { method: 'POST', headers: { ...session, origin: base }, body: rpc('daemon.status') }))
      .status,
    401,
  );
  t.is((await http(base, '/logout', { method: 'POST', headers: { ...session, origin: base } })).status, 401, 'once');
  t.is(
    (await http(base, '/', { method: 'POST', headers: { ...other, origin: base }, body: rpc('daemon.status') })).status,
    200,
    'other sessions hold',
  );
});

test('a session unused for dashboard.sessionIdleMs ends, its stream with it', async (t) => {
  const { base, token } = await dashboardDaemon(t, { dashboard: { sessionIdleMs: 1000 } });
  const session = await logIn(base, token);
  const stream = await openStream(base, session);
  t.teardown(() => stream.close());
  // A stream is no use of the session: only requests are.
  await stream.ended;
  t.is(
    (await http(base, '/', { method: 'POST', headers: { ...session, origin: base }, body: rpc('daemon.status') }))
      .status,
    401,
  );
});

test('sessions are kept at most 1000: a script that logs in in a loop ends the oldest, not the daemon', async (t) => {
  const { base, token } = await dashboardDaemon(t);
  const first = await logIn(base, token);
  const second = await logIn(base, token);
  for (let index = 0; index < 999; index++) await logIn(base, token);
  const ask = (session: Record<string, string>) =>
    http(base, '/', { method: 'POST', headers: { ...session, origin: base }, body: rpc('daemon.status') });
  t.is((await ask(first)).status, 401, 'the oldest ended');
  t.is((await ask(second)).status, 200);
});

test('plugd dashboard exits 1 with one clear line without a TCP listener, or without a daemon', async (t) => {
  const daemon = await startDaemon(t, {});
  const noTcp = await runCli(['--home', daemon.home, 'dashboard']);
  t.is(noTcp.code, 1);
  t.is(noTcp.stderr, 'no dashboard: the daemon has no TCP listener (start it with --tcp 127.0.0.1:10042)\n');
  const { home } = makeHome(t);
  const notRunning = await runCli(['--home', home, 'dashboard']);
  t.is(notRunning.code, 1);
  t.regex(notRunning.stderr, /^no dashboard: the daemon is not running/);
});
