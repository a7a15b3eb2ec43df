// State across restarts: at a graceful stop each plugin with `snapshot` is
// frozen and its state written to `state/<plugin>.json` in the home, and the
// next start restores it (at a plugin's first load in the daemon's life); `persist: false` opts out; a corrupt file is set
// aside and the plugin starts empty; `plugd state` lists and `--clear` drops.
// The daemon is started and stopped as a user does: `plugd start`, `plugd stop`.

import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, type Home } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';
import { RpcClient } from '../../core/cli/client.js';
import { StateStore } from '../../core/host/state-store.js';

const COUNTER = `
import { definePlugin } from 'plugd/sdk';
let count = 0;
let broken = false;
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('incr', {}, () => ++count);
    ctx.rpc.method('get', {}, () => count);
    ctx.rpc.method('break', {}, () => { broken = true; return true; });
  },
  snapshot: () => { if (broken) throw new Error('snapshot refused'); return count; },
  restore: (state) => { count = state; },
});
`;

/** State JSON does not carry as it is (a Map of Dates) crosses as V8 bytes. */
const TALLY = `
import { definePlugin } from 'plugd/sdk';
let seen = new Map();
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('mark', {}, () => { seen.set('first', new Date(0)); return seen.size; });
    ctx.rpc.method('get', {}, () => [...seen].map(([key, date]) => [key, date instanceof Date && date.getTime()]));
  },
  snapshot: () => seen,
  restore: (state) => { seen = state; },
});
`;

function homeWith(t: ExecutionContext, config?: object): Home {
  const home = makeHome(t, { plugins: { 'counter.plugin.js': COUNTER, 'tally.plugin.js': TALLY }, config });
  cleanUpDaemonOf(t, home.home);
  return home;
}

async function cli(t: ExecutionContext, home: Home, ...args: string[]) {
  const result = await runCli(['--home', home.home, ...args]);
  t.is(result.code, 0, `plugd ${args.join(' ')}: ${result.stderr}`);
  return result;
}

async function call<T = unknown>(home: Home, method: string, params?: unknown): Promise<T> {
  const client = await RpcClient.connect(home.socket);
  try {
    return await client.call<T>(method, params);
  } finally {
    client.close();
  }
}

const stateFile = (home: Home, plugin: string) => join(home.home, 'state', `${plugin}.json`);
const log = (home: Home) => readFileSync(join(home.home, 'plugd.log'), 'utf8');

test('a counter at 5 is at 5 after plugd stop and plugd start; the file is 0600 in a 0700 folder', async (t) => {
  const home = homeWith(t);
  await cli(t, home, 'start');
  for (let i = 0; i < 5; i++) await call(home, 'counter.incr');
  await call(home, 'tally.mark');
  await cli(t, home, 'stop');
  t.is(statSync(join(home.home, 'state')).mode & 0o777, 0o700);
  t.is(statSync(stateFile(home, 'counter')).mode & 0o777, 0o600);
  t.like(JSON.parse(readFileSync(stateFile(home, 'counter'), 'utf8')), {
    plugin: 'counter',
    encoding: 'json',
    state: 5,
  });
  await cli(t, home, 'start');
  t.is(await call(home, 'counter.get'), 5);
  t.deepEqual(await call(home, 'tally.get'), [['first', 0]]);
  t.is(await call(home, 'counter.incr'), 6);
  await cli(t, home, 'stop');
  await cli(t, home, 'start');
  t.is(await call(home, 'counter.get'), 6);
  // Only a plugin's first load in a daemon's life restores what the last stop kept.
  await call(home, 'plugins.unload', { name: 'counter' });
  await call(home, 'plugins.load', { path: join(home.pluginDir, 'counter.plugin.js') });
  t.is(await call(home, 'counter.get'), 0);
  await cli(t, home, 'stop');
});

test('process mode: a counter and a Map cross plugd stop and plugd start', async (t) => {
  const home = homeWith(t, { isolation: 'process' });
  await cli(t, home, 'start');
  for (let i = 0; i < 5; i++) await call(home, 'counter.incr');
  await call(home, 'tally.mark');
  await cli(t, home, 'stop');
  await cli(t, home, 'start');
  const plugins: any[] = await call(home, 'plugins.list');
  t.true(plugins.every((plugin) => plugin.isolation === 'process'));
  t.is(await call(home, 'counter.get'), 5);
  t.deepEqual(await call(home, 'tally.get'), [['first', 0]]);
  await cli(t, home, 'stop');
});

test('persist: false starts at 0, and the file kept before is removed', async (t) => {
  const home = homeWith(t, { plugins: { counter: { persist: false } } });
  StateStore.ofHome(home.home).save('counter', 9);
  await cli(t, home, 'start');
  t.is(await call(home, 'counter.get'), 0);
  t.false(existsSync(stateFile(home, 'counter')));
  for (let i = 0; i < 3; i++) await call(home, 'counter.incr');
  await cli(t, home, 'stop');
  t.false(existsSync(stateFile(home, 'counter')));
  await cli(t, home, 'start');
  t.is(await call(home, 'counter.get'), 0);
  await cli(t, home, 'stop');
});

test('a corrupt state file is logged, naming it, and set aside; the plugin starts empty', async (t) => {
  const home = homeWith(t);
  mkdirSync(join(home.home, 'state'), { mode: 0o700 });
  writeFileSync(stateFile(home, 'counter'), '{"plugin": "counter", "enc', { mode: 0o600 });
  await cli(t, home, 'start');
  t.is(await call(home, 'counter.get'), 0);
  t.regex(log(home), new RegExp(`state file ${stateFile(home, 'counter')} is corrupt: .*plugin counter starts empty`));
  t.is(readFileSync(`${stateFile(home, 'counter')}.corrupt`, 'utf8'), '{"plugin": "counter", "enc');
  t.false(existsSync(stateFile(home, 'counter')));
  t.is(await call(home, 'tally.mark'), 1, 'the other plugin is not touched');
  await cli(t, home, 'stop');
});

test('a snapshot that fails at stop is logged, and the previous file is kept', async (t) => {
  const home = homeWith(t);
  StateStore.ofHome(home.home).save('counter', 7);
  const before = readFileSync(stateFile(home, 'counter'), 'utf8');
  await cli(t, home, 'start');
  t.is(await call(home, 'counter.incr'), 8);
  await call(home, 'counter.break');
  await cli(t, home, 'stop');
  t.regex(
    log(home),
    /plugin counter: state not saved at stop \(plugin counter failed to snapshot its state: snapshot refused\)/,
  );
  t.is(readFileSync(stateFile(home, 'counter'), 'utf8'), before);
});

test('plugd state lists what is kept (--json too), and --clear drops one or all, running or not', async (t) => {
  const home = homeWith(t);
  t.is((await cli(t, home, 'state')).stdout, 'no state kept\n');
  await cli(t, home, 'start');
  await call(home, 'counter.incr');
  await call(home, 'tally.mark');
  await cli(t, home, 'stop');

  const listed = (await cli(t, home, 'state')).stdout;
  t.regex(listed, /^PLUGIN\s+BYTES\s+SAVED AT\ncounter\s+\d+\s+\d{4}-\d\d-\d\dT.*Z\ntally\s+\d+\s+/);
  const kept: any[] = JSON.parse((await cli(t, home, 'state', '--json')).stdout);
  t.deepEqual(
    kept.map((entry) => entry.plugin),
    ['counter', 'tally'],
  );
  t.is(kept[0].bytes, statSync(stateFile(home, 'counter')).size);
  t.true(Date.parse(kept[0].savedAt) > 0);
  t.deepEqual(JSON.parse((await cli(t, home, 'state', 'counter', '--json')).stdout).length, 1);

  t.is((await cli(t, home, 'state', 'counter', '--clear')).stdout, 'cleared the state of counter\n');
  t.false(existsSync(stateFile(home, 'counter')));
  t.is((await cli(t, home, 'state', 'counter')).stdout, 'no state kept for counter\n');

  await cli(t, home, 'start');
  t.is(await call(home, 'counter.get'), 0);
  t.is(
    (await cli(t, home, 'state', '--clear')).stdout,
    "cleared the state of tally\nthe daemon is running: a running plugin's state is written again at its next stop\n",
  );
  t.is((await cli(t, home, 'state')).stdout, 'no state kept\n');
  await cli(t, home, 'stop');
});
