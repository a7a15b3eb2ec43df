// The dashboard's doors, at the HTTP level (the browser suite drives the page):
// the token buys a session cookie, a session acts only from the dashboard's own
// origin, Bearer still works for scripts, headers are strict, rotation ends
// sessions, and `plugd dashboard` prints the URL or says why it cannot.

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

function http(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(path, base), { method: options.method ?? 'GET', headers: options.headers }, (incoming) => {
      let body = '';
      incoming.on('data', (chunk) => (body += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode!, headers: incoming.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const rpc = (method: string, params?: unknown) => JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 });

async function dashboardDaemon(t: Parameters<typeof startDaemon>[0]): Promise<{ daemon: TestDaemon; base: string; token: string }> {
  const daemon = await startDaemon(t, { examples: true, args: ['--tcp', '127.0.0.1:0'] });
  const { tcp } = await daemon.call('daemon.status');
  return { daemon, base: `http://${tcp}`, token: readFileSync(join(daemon.home, 'token'), 'utf8').trim() };
}

async function logIn(base: string, token: string): Promise<string> {
  const answer = await http(base, `/login?token=${token}`);
  return String(answer.headers['set-cookie']).split(';')[0];
}

test('plugd dashboard prints the login URL; the token buys an HttpOnly, SameSite=Strict session and a 303 to /', async (t) => {
  const { daemon, base, token } = await dashboardDaemon(t);
  const printed = await runCli(['--home', daemon.home, 'dashboard']);
  t.is(printed.code, 0);
  t.is(printed.stdout.trim(), `${base}/login?token=${token}`);
  t.true(daemon.output().includes(`  web:    ${base}/login?token=${token}\n`), 'the welcome has it too');
  const login = await http(base, `/login?token=${token}`);
  t.is(login.status, 303);
  t.is(login.headers.location, '/');
  const cookie = String(login.headers['set-cookie']);
  t.regex(cookie, /HttpOnly/);
  t.regex(cookie, /SameSite=Strict/);
  t.false(cookie.includes(token), 'the cookie is not the token');
  const page = await http(base, '/', { headers: { cookie: cookie.split(';')[0] } });
  t.regex(page.body, /<script type="module" src="\/app.js">/);
});

test('a wrong token gets 401 and no cookie; / without a session asks for the token', async (t) => {
  const { base } = await dashboardDaemon(t);
  const wrong = await http(base, '/login?token=guess');
  t.is(wrong.status, 401);
  t.is(wrong.headers['set-cookie'], undefined);
  const page = await http(base, '/');
  t.is(page.status, 200);
  t.regex(page.body, /<input id="token" name="token" type="password"/);
  t.false(page.body.includes('app.js'));
});

test('every answer carries a strict CSP (no inline script), nosniff and frame-ancestors none', async (t) => {
  const { base, token } = await dashboardDaemon(t);
  for (const answer of [await http(base, '/'), await http(base, '/app.js'), await http(base, '/', { method: 'POST', body: rpc('daemon.status') })]) {
    const csp = String(answer.headers['content-security-policy']);
    t.regex(csp, /script-src 'self'(;|$)/);
    t.regex(csp, /frame-ancestors 'none'/);
    t.false(csp.includes('unsafe-inline'));
    t.is(answer.headers['x-content-type-options'], 'nosniff');
  }
});

/** The first events of the stream, then it hangs up. */
function firstEvents(base: string, headers: Record<string, string>, until: RegExp): Promise<{ status: number; text: string }> {
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
  const cookie = await logIn(base, token);
  const hello = await firstEvents(base, { cookie }, /event: figures\n/);
  t.is(hello.status, 200);
  t.regex(hello.text, /event: hello\ndata: \{"charts"/);
  const paused = firstEvents(base, { authorization: `Bearer ${token}` }, /"kind":"paused","name":"echo"/);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await daemon.call('plugins.pause', { name: 'echo' });
  t.regex((await paused).text, /event: plugin\ndata: \{"kind":"paused","name":"echo"/);
  const reloaded = firstEvents(base, { cookie }, /"kind":"reloaded","name":"echo"/);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await daemon.call('plugins.reload', { name: 'echo', force: true });
  t.regex((await reloaded).text, /"kind":"reloaded","name":"echo"/);
});

test('a POST with the session cookie acts only from the dashboard origin: another origin gets 403 and nothing runs', async (t) => {
  const { daemon, base, token } = await dashboardDaemon(t);
  const cookie = await logIn(base, token);
  const pause = rpc('plugins.pause', { name: 'echo' });
  const strangers: Record<string, string>[] = [{ origin: 'http://127.0.0.1:1' }, { origin: 'null' }, { 'sec-fetch-site': 'same-site' }, {}];
  for (const headers of strangers) {
    const refused = await http(base, '/', { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: pause });
    t.is(refused.status, 403, JSON.stringify(headers));
  }
  t.false((await daemon.call('plugins.status', { name: 'echo' })).paused, 'nothing ran');
  const own = await http(base, '/', { method: 'POST', headers: { cookie, origin: base, 'content-type': 'application/json' }, body: rpc('echo.say', { text: 'hi' }) });
  t.deepEqual(JSON.parse(own.body).result, { text: 'hi' });
  const sameOrigin = await http(base, '/', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin' }, body: rpc('echo.say', { text: 'so' }) });
  t.deepEqual(JSON.parse(sameOrigin.body).result, { text: 'so' });
});

test('scripts keep using Authorization: Bearer; without it or a session a POST gets 401', async (t) => {
  const { base, token } = await dashboardDaemon(t);
  const bearer = await http(base, '/', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: rpc('echo.say', { text: 'b' }) });
  t.deepEqual(JSON.parse(bearer.body).result, { text: 'b' });
  const forged = await http(base, '/', { method: 'POST', headers: { cookie: 'plugd_session_1=a.b', origin: base }, body: rpc('echo.say', { text: 'x' }) });
  t.is(forged.status, 401);
});

test('plugd token --rotate ends every session', async (t) => {
  const { daemon, base, token } = await dashboardDaemon(t);
  const cookie = await logIn(base, token);
  const ask = () => http(base, '/', { method: 'POST', headers: { cookie, origin: base }, body: rpc('daemon.status') });
  t.is((await ask()).status, 200);
  t.is((await runCli(['--home', daemon.home, 'token', '--rotate'])).code, 0);
  t.is((await ask()).status, 401);
  t.regex((await http(base, '/', { headers: { cookie } })).body, /name="token"/);
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
