// Activation on first call (README, "Many plugins"): a hundred onCall plugins
// cost no worker until called. Their methods are listed before any starts (the
// plugin folder's first scan loads each once to learn them, then stops it); a
// call starts only its own plugin, which stops again after idleStopMs without
// a call, its state held by the daemon and restored at its next start.

import test, { type ExecutionContext } from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, startDaemon, type Home } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';
import { RpcClient } from '../../core/cli/client.js';
import { HAS_PYTHON, pythonScaffold } from '../fixtures/exec/plugins.js';
import { until } from '../helpers/until.js';
import type { PluginStatus } from '../../core/contract/plugin-status.js';

const COUNT = 100;

/** A stateful counter: what its snapshot carries shows whether its state came back. */
const counter = (index: number) => `
import { definePlugin } from 'plugd/sdk';
let count = 0;
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('incr', {}, () => ++count);
    ctx.rpc.method('get', {}, () => count);
    ctx.rpc.method('which', {}, () => ${index});
  },
  snapshot: () => count,
  restore: (state) => { count = state; },
});
`;

const plugins = Object.fromEntries(
  Array.from({ length: COUNT }, (_, index) => [`p${index}.plugin.js`, counter(index)]),
);

const states = (list: PluginStatus[]) => Object.fromEntries(list.map((plugin) => [plugin.name, plugin.state]));

test('100 onCall plugins: listed idle with all their methods, a call starts only its own, which idles again and keeps its state', async (t) => {
  // The first scan loads each of the hundred once (a loaded 2-core machine takes its time).
  t.timeout(240_000);
  const daemon = await startDaemon(t, {
    plugins,
    config: { activation: 'onCall', plugins: { p7: { idleStopMs: 1000 } } },
  });
  t.like(await daemon.call('daemon.status'), { pid: daemon.pid, plugins: COUNT, pluginsReady: 0, pluginsIdle: COUNT });
  t.regex(daemon.output(), /0 plugin\(s\) ready, 100 idle until called/);

  const listed: PluginStatus[] = await daemon.call('plugins.list');
  t.is(listed.length, COUNT);
  t.true(
    listed.every((plugin) => plugin.state === 'idle' && plugin.activation === 'onCall'),
    JSON.stringify(states(listed)),
  );
  const methods: string[] = await daemon.call('system.listMethods');
  for (let index = 0; index < COUNT; index++) {
    for (const method of ['incr', 'get', 'which'])
      t.true(methods.includes(`p${index}.${method}`), `p${index}.${method} is listed`);
  }

  t.is(await daemon.call('p7.which'), 7);
  t.is(await daemon.call('p7.incr'), 1);
  const afterCall = states(await daemon.call('plugins.list'));
  t.is(afterCall.p7, 'ready');
  t.deepEqual(
    Object.entries(afterCall).filter(([name, state]) => name !== 'p7' && state !== 'idle'),
    [],
    'the others stay idle',
  );

  await until(
    async () => (await daemon.call<PluginStatus>('plugins.status', { name: 'p7' })).state,
    (state) => state === 'idle',
  );
  t.is(await daemon.call('p7.get'), 1, 'its state came back at its next start');
  t.is((await daemon.call<PluginStatus>('plugins.status', { name: 'p7' })).state, 'ready');
});

/** A counter whose setup appends a line to the file its config names: each line is one start of a worker. */
const TRACED = `
import { appendFileSync } from 'node:fs';
import { definePlugin } from 'plugd/sdk';
let count = 0;
export default definePlugin({
  setup(ctx) {
    appendFileSync(ctx.config.setups, 'setup\\n');
    ctx.rpc.method('incr', {}, () => ++count);
    ctx.rpc.method('get', {}, () => count);
  },
  snapshot: () => count,
  restore: (state) => { count = state; },
});
`;

/** Asks for onCall, but runs a loop: it needs a worker running all the time. */
const TICKER = `
import { definePlugin } from 'plugd/sdk';
let ticks = 0;
export default definePlugin({
  setup(ctx) {
    ctx.loop(() => { ticks++; }, { intervalMs: 50 });
    ctx.rpc.method('ticks', {}, () => ticks);
  },
});
`;

async function cli(t: ExecutionContext, home: Home, ...args: string[]) {
  const result = await runCli(['--home', home.home, ...args]);
  t.is(result.code, 0, `plugd ${args.join(' ')}: ${result.stderr}`);
}

async function call<T = unknown>(home: Home, method: string, params?: unknown): Promise<T> {
  const client = await RpcClient.connect(home.socket);
  try {
    return await client.call<T>(method, params);
  } finally {
    client.close();
  }
}

test('a restart lists an onCall plugin from the cache without starting it; the state it held idle crosses the stop; a plugin with a loop runs eagerly, saying why', async (t) => {
  const home = makeHome(t, { plugins: { 'traced.plugin.js': TRACED, 'ticker.plugin.js': TICKER } });
  const setups = join(home.home, 'setups.log');
  writeFileSync(
    join(home.home, 'plugd.json'),
    JSON.stringify({ activation: 'onCall', plugins: { traced: { idleStopMs: 300, config: { setups } } } }),
  );
  cleanUpDaemonOf(t, home.home);
  const starts = () => (existsSync(setups) ? readFileSync(setups, 'utf8').split('\n').filter(Boolean).length : 0);

  await cli(t, home, 'start');
  t.is(starts(), 1, 'its first start in this home loaded it once to learn its methods');
  t.like(await call(home, 'plugins.status', { name: 'traced' }), {
    state: 'idle',
    activation: 'onCall',
    methods: ['traced.incr', 'traced.get'],
  });
  t.like(await call(home, 'plugins.status', { name: 'ticker' }), { state: 'ready', activation: 'eager' });
  t.regex(
    readFileSync(join(home.home, 'plugd.log'), 'utf8'),
    /plugin ticker runs eagerly though it asks for onCall: it runs a loop/,
  );
  t.is(await call(home, 'traced.incr'), 1);
  t.is(await call(home, 'traced.incr'), 2);
  t.is(starts(), 2);
  // Idle again: the stop saves the snapshot the daemon holds for it.
  await until(
    async () => (await call<PluginStatus>(home, 'plugins.status', { name: 'traced' })).state,
    (state) => state === 'idle',
  );
  await cli(t, home, 'stop');

  await cli(t, home, 'start');
  t.like(await call(home, 'plugins.status', { name: 'traced' }), {
    state: 'idle',
    methods: ['traced.incr', 'traced.get'],
  });
  t.is(starts(), 2, 'the cache knew its methods: no worker started');
  t.is(await call(home, 'traced.get'), 2, 'the state kept at the stop came back at its first call');
  t.is(starts(), 3);
  await cli(t, home, 'stop');
});

test('a call whose deadline passes while its idle plugin starts answers -32003; the start goes on and the next call is answered', async (t) => {
  const slow = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  async setup(ctx) {
    await new Promise((resolve) => setTimeout(resolve, ctx.config.setupMs));
    ctx.rpc.method('hi', { timeoutMs: 100 }, () => 'hi');
  },
});
`;
  // Its setup alone outlasts the method's deadline, however fast the machine.
  const config = { activation: 'onCall', plugins: { slow: { config: { setupMs: 1500 } } } };
  const daemon = await startDaemon(t, { plugins: { 'slow.plugin.js': slow }, config });
  t.is((await daemon.call<PluginStatus>('plugins.status', { name: 'slow' })).state, 'idle');
  const error = await t.throwsAsync<any>(daemon.call('slow.hi'));
  t.is(error.code, -32003);
  t.regex(error.message, /slow\.hi exceeded its deadline of 100 ms/);
  await until(
    async () => (await daemon.call<PluginStatus>('plugins.status', { name: 'slow' })).state,
    (state) => state === 'ready',
  );
  t.is(await daemon.call('slow.hi'), 'hi');
});

test('a reload of an idle plugin refreshes its methods and leaves it idle; a syntax error keeps the last good version listed', async (t) => {
  const version = (methods: string[]) => `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
${methods.map((name) => `    ctx.rpc.method('${name}', {}, () => '${name}');`).join('\n')}
  },
});
`;
  const daemon = await startDaemon(t, {
    plugins: { 'grow.plugin.js': version(['a']) },
    config: { activation: 'onCall' },
  });
  writeFileSync(join(daemon.pluginDir, 'grow.plugin.js'), version(['a', 'b']));
  t.like(await daemon.call('plugins.reload', { name: 'grow' }), { name: 'grow', changed: true });
  t.like(await daemon.call('plugins.status', { name: 'grow' }), {
    state: 'idle',
    methods: ['grow.a', 'grow.b'],
    reloads: 1,
  });
  t.true((await daemon.call<string[]>('system.listMethods')).includes('grow.b'));

  writeFileSync(join(daemon.pluginDir, 'grow.plugin.js'), 'export default {{{');
  const error = await t.throwsAsync<any>(daemon.call('plugins.reload', { name: 'grow' }));
  t.regex(error.message, /plugin grow failed to load: compile error/);
  t.like(await daemon.call('plugins.status', { name: 'grow' }), { state: 'idle', methods: ['grow.a', 'grow.b'] });
  t.is(await daemon.call('grow.b'), 'b', 'the last good version starts at the next call');
});

test('process isolation: an idle onCall plugin has no process; its call starts one, which ends when it idles again', async (t) => {
  const config = { isolation: 'process', activation: 'onCall', plugins: { p0: { idleStopMs: 300 } } };
  const daemon = await startDaemon(t, { plugins: { 'p0.plugin.js': counter(0) }, config });
  t.like(await daemon.call('plugins.status', { name: 'p0' }), { state: 'idle', isolation: 'process', pid: undefined });
  t.is(await daemon.call('p0.incr'), 1);
  const { pid } = await daemon.call<PluginStatus>('plugins.status', { name: 'p0' });
  t.true(Number.isInteger(pid), 'it runs in a process of its own');
  await until(
    async () => (await daemon.call<PluginStatus>('plugins.status', { name: 'p0' })).state,
    (state) => state === 'idle',
  );
  await until(
    async () => isAlive(pid!),
    (alive) => !alive,
  );
  t.is(await daemon.call('p0.get'), 1, 'its state came back in its next process');
});

async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pythonTest = HAS_PYTHON ? test : test.skip;
if (!HAS_PYTHON) test.skip('an onCall stdio plugin: python3 is not installed here', () => undefined);

pythonTest(
  'a stdio plugin (the Python scaffold) may be onCall too: idle with its methods, started by its first call',
  async (t) => {
    const daemon = await startDaemon(t, {
      plugins: pythonScaffold('greeter'),
      config: { plugins: { greeter: { activation: 'onCall' } } },
    });
    t.like(await daemon.call('plugins.status', { name: 'greeter' }), {
      state: 'idle',
      activation: 'onCall',
      isolation: 'process',
    });
    t.true((await daemon.call<string[]>('system.listMethods')).includes('greeter.greet'));
    t.is(await daemon.call('greeter.greet', { name: 'you' }), 'hello, you!');
    t.like(await daemon.call('plugins.status', { name: 'greeter' }), { state: 'ready', channel: 'pipe' });
  },
);
