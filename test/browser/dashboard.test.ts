// The dashboard in a real browser (Debian's Chromium through playwright-core),
// against the real daemon from dist/ with the example plugins and a TCP
// listener: log in with the URL `plugd dashboard` prints (its token leaves
// the address bar at once), see the plugins, call methods, reload, watch a
// crash arrive live, be refused from another origin and from a replay of the
// browser's cookies, log out, and be sent back to the login form when the
// session idles out, the daemon restarts or the token is rotated. One daemon
// and one browser serve the tests, in order.

import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { CLI, killOnExit, ROOT, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { haveChromium, openBrowser } from './chromium.js';

const browserTest = haveChromium ? test.serial : test.serial.skip;

const CRASHY = `import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  name: 'crashy',
  setup(ctx) {
    ctx.rpc.method('boom', { description: 'Crashes its worker a moment later.' }, () => {
      setTimeout(() => { throw new Error('boom'); }, 10);
      return { crashing: true };
    });
  },
});
`;

let daemon: TestDaemon;
let base: string;
let loginUrl: string;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];
const cleanups: Array<() => unknown> = [];

test.before(async () => {
  if (!haveChromium) return;
  // startDaemon tears down through its context: here, after the last test.
  const scope = { teardown: (cleanup: () => unknown) => cleanups.push(cleanup) } as unknown as ExecutionContext;
  daemon = await startDaemon(scope, {
    examples: true,
    config: { loadPaths: ['extra'] },
    args: ['--tcp', '127.0.0.1:0'],
  });
  base = `http://${(await daemon.call('daemon.status')).tcp}`;
  const browser = await openBrowser();
  cleanups.push(() => browser.close());
  context = browser.context;
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  page.on('pageerror', (error) => consoleErrors.push(error.message));
});

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const row = (name: string) => page.locator(`tr[data-plugin="${name}"]`);
// The functions handed to the page run there (a string would be eval, which the page's CSP forbids); the tests compile without the DOM's types.
declare const document: any;
declare const window: any;
const restartsOf = (name: string) =>
  page.evaluate(
    (plugin) => document.querySelector(`tr[data-plugin="${plugin}"] td[data-column="restarts"]`)?.textContent,
    name,
  );

/** Calls a method from the plugin page's console; resolves with what the page shows. */
async function callFromConsole(method: string, fields: Record<string, string> = {}): Promise<string> {
  const section = page.locator('section.method', { has: page.getByRole('heading', { name: method, exact: true }) });
  for (const [member, value] of Object.entries(fields)) await section.getByLabel(member).fill(value);
  const answer = section.locator('pre.answer');
  const before = (await answer.count()) > 0 ? await answer.textContent() : undefined;
  await section.getByRole('button', { name: 'Call' }).click();
  await page.waitForFunction(
    ([heading, previous]) => {
      const shown = [...document.querySelectorAll('section.method')].find(
        (node: any) => node.querySelector('h3')?.textContent === heading,
      );
      const text = shown?.querySelector('pre.answer')?.textContent;
      return text !== undefined && text !== previous;
    },
    [method, before ?? null] as const,
  );
  return (await answer.textContent())!;
}

/** A POST from outside the browser (a plain HTTP client), with the headers given. */
function postFromOutside(headers: Record<string, string>, to = base): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'daemon.status', id: 1 });
    const outgoing = request(
      `${to}/`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () => resolve(incoming.statusCode!));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const sessionInPage = () => page.evaluate(() => window.sessionStorage.getItem('plugd-session') as string | null);

browserTest(
  'a wrong token in the URL shows the form again, gone from the address bar, with no session and no cookie',
  async (t) => {
    await page.goto(`${base}/login#token=not-the-token`);
    await page.getByRole('alert').waitFor();
    t.is(page.url(), `${base}/`);
    t.deepEqual(await context.cookies(), []);
    t.is(await sessionInPage(), null);
    t.truthy(await page.getByLabel('Token').count());
  },
);

browserTest('logs in with the printed URL and shows every plugin with its state', async (t) => {
  consoleErrors.length = 0; // The wrong token's 401 is expected.
  const printed = await runCli(['--home', daemon.home, 'dashboard']);
  loginUrl = printed.stdout.trim();
  const started = performance.now();
  const answer = await page.goto(loginUrl);
  await row('echo').waitFor();
  t.log(`login URL to table filled: ${Math.round(performance.now() - started)} ms`);
  t.regex(loginUrl, /\/login#token=[0-9a-f]{64}$/);
  t.is(page.url(), `${base}/`, 'the token left the address bar');
  t.false(await page.evaluate(() => window.location.href.includes('token')));
  const headers = answer!.headers();
  t.regex(headers['content-security-policy'], /frame-ancestors 'none'/);
  t.is(headers['x-content-type-options'], 'nosniff');
  t.truthy(await sessionInPage(), 'the session is in the tab');
  for (const column of ['Name', 'State', 'Uptime', 'Calls/s', 'p99 ms', 'Errors', 'Restarts', 'Heap', 'ELU']) {
    t.is(await page.getByRole('columnheader', { name: column, exact: true }).count(), 1, column);
  }
  for (const name of ['counter', 'echo']) {
    t.is(await row(name).locator('td.state').textContent(), 'ready', name);
    for (const button of ['Reload', 'Pause', 'Unload'])
      t.is(await row(name).getByRole('button', { name: button }).count(), 1);
  }
});

browserTest('Rescan works from the keyboard, and its answer shows in the page', async (t) => {
  await page.getByRole('button', { name: 'Rescan' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('rescan: done').waitFor();
  t.true(await page.getByText('rescan: done').isVisible());
});

browserTest('the console calls a method and shows its result, then -32602 for a wrong param', async (t) => {
  await page.getByRole('link', { name: 'echo' }).click();
  await page.getByRole('heading', { name: 'echo.say', exact: true }).waitFor();
  t.truthy(await page.getByText('Answers with the text it was given.').count());
  t.deepEqual(JSON.parse(await callFromConsole('echo.say', { text: 'hello from the browser' })), {
    text: 'hello from the browser',
  });
  t.regex(await callFromConsole('echo.say', { text: '' }), /^error -32602: /);
  t.deepEqual(JSON.parse(await callFromConsole('echo.echo', { 'params (JSON)': '{"n":1}' })), { n: 1 });
});

browserTest('the overview and a plugin page, as screenshots for docs/', async (t) => {
  // Some traffic, growing, so the charts and sparklines have something to draw.
  let traffic = true;
  const load = (async () => {
    for (let round = 0; traffic; round++) {
      await Promise.all(Array.from({ length: 1 + (round >> 2) }, () => daemon.call('echo.say', { text: 'load' })));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 6000));
  // The charts draw the points the server made (GET /events, `chart`): under traffic, calls/s above zero.
  const latestRate = () =>
    Number.parseFloat(document.querySelector('figure.chart figcaption strong')?.textContent ?? '');
  await page.waitForFunction(latestRate);
  t.true((await page.evaluate(latestRate)) > 0);
  const folder = process.env.PLUGD_SCREENSHOTS ? join(ROOT, 'docs') : join(daemon.home, 'screenshots');
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, 'dashboard-plugin.png'), fullPage: true });
  await page.goto(`${base}/#/`);
  await row('echo').waitFor();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await page.screenshot({ path: join(folder, 'dashboard-overview.png') });
  traffic = false;
  await load;
  for (const shot of ['dashboard-plugin.png', 'dashboard-overview.png']) t.true(existsSync(join(folder, shot)), shot);
});

browserTest('Reload replaces the worker and the plugin comes back ready', async (t) => {
  await page.goto(`${base}/#/plugins/echo`);
  await page.getByRole('heading', { name: 'echo.worker', exact: true }).waitFor();
  const before = JSON.parse(await callFromConsole('echo.worker'));
  const readyLines = page.locator('ol.log li', { hasText: 'echo is ready' });
  const logged = await readyLines.count();
  await page.locator('.toolbar').getByRole('button', { name: 'Reload' }).click();
  await page.getByText('reload echo: done').waitFor();
  await readyLines.nth(logged).waitFor(); // The new worker's log line, live.
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'ready');
  const after = JSON.parse(await callFromConsole('echo.worker'));
  t.notDeepEqual(after, before, 'another worker serves');
});

browserTest('a crash from outside the page shows as one more restart, live', async (t) => {
  const folder = join(daemon.home, 'extra');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'crashy.plugin.ts'), CRASHY);
  await daemon.call('plugins.load', { path: join(folder, 'crashy.plugin.ts') });
  await page.goto(`${base}/#/`);
  await row('crashy').waitFor();
  t.is(await restartsOf('crashy'), '0');
  await page.evaluate(() => (window.notReloaded = true));
  await daemon.call('crashy.boom');
  await page.waitForFunction(
    () => document.querySelector('tr[data-plugin="crashy"] td[data-column="restarts"]')?.textContent === '1',
  );
  t.true(await page.evaluate(() => window.notReloaded), 'the page was not reloaded');
  t.regex((await row('crashy').getAttribute('class')) ?? '', /warning|failed/, 'highlighted as in top');
  await page.getByText('crashy crashed').waitFor();
});

browserTest(
  "replaying the browser's cookies from a plain HTTP client, with the dashboard's Origin, is refused",
  async (t) => {
    const cookies = await context.cookies();
    // Whatever the browser holds for this host (cookies ignore ports: another local service would receive them).
    const cookie = cookies.map(({ name, value }) => `${name}=${value}`).join('; ') || 'plugd_session=none';
    t.is(await postFromOutside({ cookie, origin: base }), 401);
    t.is(
      await postFromOutside({ cookie, origin: base, 'x-plugd-session': (await sessionInPage())! }),
      200,
      'the session itself works',
    );
  },
);

browserTest('a POST from another origin is refused and nothing runs', async (t) => {
  const pause = JSON.stringify({ jsonrpc: '2.0', method: 'plugins.pause', params: { name: 'echo' }, id: 1 });
  // A page on another port of the same host: same site, so the browser would send a cookie; the session is out of its reach.
  const stranger: Server = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(`<script>fetch(${JSON.stringify(`${base}/`)}, { method: 'POST', mode: 'no-cors', credentials: 'include', body: ${JSON.stringify(pause)} })
      .then(() => { document.title = 'sent'; }, () => { document.title = 'sent'; });</script>`);
  });
  await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
  t.teardown(() => stranger.close());
  const other = await context.newPage();
  await other.goto(`http://127.0.0.1:${(stranger.address() as { port: number }).port}/`);
  await other.waitForFunction(() => document.title === 'sent');
  await other.close();
  t.false((await daemon.call('plugins.status', { name: 'echo' })).paused, 'nothing ran from the other page');
  const session = (await sessionInPage())!;
  const forged = await context.request.post(`${base}/`, {
    headers: { origin: 'http://127.0.0.1:1', 'content-type': 'application/json', 'x-plugd-session': session },
    data: pause,
  });
  t.is(forged.status(), 403, 'even with the session, another origin is refused');
  t.false((await daemon.call('plugins.status', { name: 'echo' })).paused, 'nothing ran');
});

browserTest('no errors in the browser console', (t) => {
  t.deepEqual(consoleErrors, []);
});

browserTest('Log out ends the session on the daemon and shows the login form', async (t) => {
  await page.goto(`${base}/#/`);
  await row('echo').waitFor();
  const session = (await sessionInPage())!;
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Token').waitFor();
  t.is(await sessionInPage(), null);
  t.is(await postFromOutside({ origin: base, 'x-plugd-session': session }), 401, 'the daemon ended it');
  await page.getByLabel('Token').fill(readFileSync(join(daemon.home, 'token'), 'utf8').trim());
  await page.getByRole('button', { name: 'Log in' }).click();
  await row('echo').waitFor();
  t.true(await row('echo').isVisible(), 'logged in again, the plugin list is back');
});

browserTest(
  'the page notices a daemon restart, and asks for the token again: sessions end with the daemon',
  async (t) => {
    await page.goto(`${base}/#/`);
    await row('echo').waitFor();
    const shownPid = () => page.locator('.daemon .figure').first().locator('.value').textContent();
    t.is(await shownPid(), String(daemon.pid));
    daemon.signal('SIGTERM');
    await daemon.exited;
    await page.getByText('reconnecting…').waitFor();
    const again = spawn(
      process.execPath,
      [CLI, 'start', '--foreground', '--home', daemon.home, '--tcp', base.slice('http://'.length)],
      { stdio: 'ignore' },
    );
    killOnExit(() => again.kill('SIGKILL'));
    cleanups.push(() => again.kill('SIGKILL'));
    await page.getByLabel('Token').waitFor({ timeout: 30_000 });
    await page.goto(loginUrl);
    await row('echo').waitFor();
    t.is(await shownPid(), String(again.pid));
    await page.getByText('live', { exact: true }).waitFor();
    await row('echo').waitFor();
  },
);

browserTest('plugd token --rotate closes the open stream: the page asks for the token again by itself', async (t) => {
  const session = (await sessionInPage())!;
  t.is((await runCli(['--home', daemon.home, 'token', '--rotate'])).code, 0);
  await page.getByLabel('Token').waitFor();
  t.is(await postFromOutside({ origin: base, 'x-plugd-session': session }), 401);
});

browserTest('a session left idle for dashboard.sessionIdleMs ends: the page asks for the token again', async (t) => {
  const scope = { teardown: (cleanup: () => unknown) => cleanups.push(cleanup) } as unknown as ExecutionContext;
  const idle = await startDaemon(scope, {
    config: { dashboard: { sessionIdleMs: 2000 } },
    args: ['--tcp', '127.0.0.1:0'],
  });
  const url = (await runCli(['--home', idle.home, 'dashboard'])).stdout.trim();
  // The session as the daemon handed it to the page (a slow machine may idle it out before the page can be asked).
  const loggedIn = page.waitForResponse(
    (response) => response.url().endsWith('/login') && response.request().method() === 'POST',
  );
  await page.goto(url);
  const { session } = (await (await loggedIn).json()) as { session: string };
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  await page.getByLabel('Token').waitFor();
  const origin = new URL(url).origin;
  t.is(await postFromOutside({ origin, 'x-plugd-session': session }, origin), 401);
});
