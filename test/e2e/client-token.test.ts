// A client reaching the TCP listener reads a token (--token-file, then
// PLUGD_TOKEN, then its home's token file) and never writes one; a refusal
// says which token was wrong, or that there was none. `plugd token` makes
// one only in a home that is the caller's own, as `start` requires.

import test from 'ava';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawSocket } from '../helpers/raw-socket.js';
import { makeHome, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';

async function tcpDaemon(
  t: Parameters<typeof startDaemon>[0],
): Promise<{ daemon: TestDaemon; address: string; token: string }> {
  const daemon = await startDaemon(t, { examples: true, args: ['--tcp', '127.0.0.1:0'] });
  const address = (await daemon.call('daemon.status')).tcp as string;
  return { daemon, address, token: readFileSync(join(daemon.home, 'token'), 'utf8').trim() };
}

const call = (home: string, address: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  runCli(['--home', home, 'call', '--tcp', address, ...extra, 'echo.say', '{"text":"hi"}'], {
    PLUGD_TOKEN: '',
    ...env,
  });

test('a client with no token says so and writes none, with or without its home', async (t) => {
  const { address } = await tcpDaemon(t);
  const client = makeHome(t);
  const missingHome = join(client.home, 'not-made');
  for (const home of [client.home, missingHome]) {
    const refused = await call(home, address);
    t.is(refused.code, 1);
    t.regex(refused.stderr, /^no token: give --token-file FILE, set PLUGD_TOKEN, or put the daemon's token in /);
    t.is(refused.stderr.split('\n').length, 2, 'one line');
  }
  t.deepEqual(readdirSync(client.home), ['plugins']);
  t.false(existsSync(missingHome));
});

test('the token comes from --token-file, then PLUGD_TOKEN, then the home; a wrong one is named by its source', async (t) => {
  const { daemon, address, token } = await tcpDaemon(t);
  const client = makeHome(t);
  const right = join(client.home, 'right');
  const wrong = join(client.home, 'wrong');
  writeFileSync(right, `${token}\n`);
  writeFileSync(wrong, 'a'.repeat(64));

  const viaFile = await call(client.home, address, ['--token-file', right], { PLUGD_TOKEN: 'b'.repeat(64) });
  t.is(viaFile.code, 0, viaFile.stderr);
  t.deepEqual(JSON.parse(viaFile.stdout), { text: 'hi' });
  const viaEnv = await call(client.home, address, [], { PLUGD_TOKEN: token });
  t.is(viaEnv.code, 0, viaEnv.stderr);
  const viaHome = await call(daemon.home, address);
  t.is(viaHome.code, 0, viaHome.stderr);

  const wrongFile = await call(client.home, address, ['--token-file', wrong]);
  t.is(wrongFile.code, 1);
  t.is(wrongFile.stderr, `wrong token (from --token-file ${wrong}): the daemon refused it\n`);
  const wrongEnv = await call(daemon.home, address, [], { PLUGD_TOKEN: 'c'.repeat(64) });
  t.is(wrongEnv.stderr, 'wrong token (from PLUGD_TOKEN): the daemon refused it\n');
  const unreadable = await call(client.home, address, ['--token-file', join(client.home, 'absent')]);
  t.is(unreadable.code, 1);
  t.regex(unreadable.stderr, /^cannot read --token-file .*absent: ENOENT/);
});

test('client options may come before the command', async (t) => {
  const { address, token } = await tcpDaemon(t);
  const client = makeHome(t);
  const file = join(client.home, 'token-copy');
  writeFileSync(file, token);
  const early = await runCli([
    '--home',
    client.home,
    '--tcp',
    address,
    '--token-file',
    file,
    'call',
    'echo.say',
    '{"text":"early"}',
  ]);
  t.is(early.code, 0, early.stderr);
  t.deepEqual(JSON.parse(early.stdout), { text: 'early' });
});

test('the daemon tells a wrong token apart from none', async (t) => {
  const { address } = await tcpDaemon(t);
  const [host, port] = address.split(':');
  const raw = await RawSocket.open({ host, port: Number(port) });
  t.teardown(() => raw.close());
  const none = await raw.request({ jsonrpc: '2.0', method: 'daemon.status', id: 1 });
  t.is(none.error.message, 'unauthorized: authenticate first with rpc.auth {token}');
  const wrong = await raw.request({ jsonrpc: '2.0', method: 'rpc.auth', params: { token: 'guess' }, id: 2 });
  t.is(wrong.error.code, -32004);
  t.is(wrong.error.message, 'unauthorized: wrong token');
});

const asRoot = process.getuid?.() === 0;
(asRoot ? test : test.skip)(
  `plugd token refuses a home owned by another user${asRoot ? '' : ' (skipped: needs root to make such a home)'}`,
  async (t) => {
    const parent = mkdtempSync(join(tmpdir(), 'plugd-test-'));
    t.teardown(() => rmSync(parent, { recursive: true, force: true }));
    const home = join(parent, 'home');
    mkdirSync(home, { mode: 0o700 });
    chownSync(home, 65534, 65534); // nobody
    for (const args of [['token'], ['token', '--rotate']]) {
      const refused = await runCli(['--home', home, ...args]);
      t.is(refused.code, 1);
      t.is(refused.stderr, `refusing home ${home}: it is owned by uid 65534, not by this user (uid 0)\n`);
    }
    t.deepEqual(readdirSync(home), []);
  },
);
