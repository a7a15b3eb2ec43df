// Shared workers (README, "Many plugins"): plugins naming one
// `sharedWorker` run in one worker, each with its own module, methods and
// state, each supervised on its own. A member that throws at setup fails
// alone; a crash of the worker costs every member, and each restarts; a
// reload of one member is the blue/green of the whole worker (every member
// moves to a new worker, its state carried, no call lost), and a member whose
// new version does not load leaves the old worker serving.

import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HIDE_SHM_ENV } from '../../core/channel/shm.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import type { PluginStatus } from '../../core/contract/plugin-status.js';

const COUNT = 20;
const CLIENTS = 8;

/** A stateful counter that says which plugin and which version it is, and can end its worker. */
const counter = (index: number, version = 1) => `
import { definePlugin } from 'plugd/sdk';
let count = 0;
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('incr', {}, () => ++count);
    ctx.rpc.method('get', {}, () => count);
    ctx.rpc.method('which', {}, () => ({ index: ${index}, version: ${version}, config: ctx.config }));
    ctx.rpc.method('exit', {}, () => process.exit(3));
  },
  snapshot: () => count,
  restore: (state) => { count = state; },
});
`;

const names = Array.from({ length: COUNT }, (_, index) => `m${index}`);

function sharedDaemon(
  t: Parameters<typeof startDaemon>[0],
  extra: Record<string, string> = {},
  config = {},
  env: NodeJS.ProcessEnv = {},
) {
  const plugins = {
    ...Object.fromEntries(names.map((name, index) => [`${name}.plugin.js`, counter(index)])),
    ...extra,
  };
  const members = Object.fromEntries(
    [...names, ...Object.keys(extra).map((file) => file.replace(/\.plugin\.js$/, ''))].map((name) => [
      name,
      { sharedWorker: 'light', config: { name } },
    ]),
  );
  return startDaemon(t, { plugins, config: { ...config, plugins: members }, env });
}

const byName = async (daemon: TestDaemon) =>
  new Map((await daemon.call<PluginStatus[]>('plugins.list')).map((plugin) => [plugin.name, plugin]));

/** The thread id or the process id of the worker a plugin runs in. */
const workerOf = (plugin: PluginStatus) => plugin.threadId ?? plugin.pid;

/** The one worker every member runs in (their thread or process ids agree). */
async function sharedThread(t: { is: (a: unknown, b: unknown, m?: string) => void }, daemon: TestDaemon) {
  const plugins = await byName(daemon);
  const threads = new Set(names.map((name) => workerOf(plugins.get(name)!)));
  t.is(threads.size, 1, `one worker for all: ${JSON.stringify([...threads])}`);
  return [...threads][0];
}

for (const isolation of ['thread', 'process'] as const)
  test(`${isolation} mode: 20 plugins in one shared worker each answer their own methods, with their own config and state`, async (t) => {
    t.timeout(120_000);
    const daemon = await sharedDaemon(t, {}, { isolation });
    const plugins = await byName(daemon);
    for (const name of names) t.like(plugins.get(name), { state: 'ready', sharedWorker: 'light', isolation });
    await sharedThread(t, daemon);
    for (const [index, name] of names.entries()) {
      t.deepEqual(await daemon.call(`${name}.which`), { index, version: 1, config: { name } });
      for (let call = 1; call <= index % 3; call++) t.is(await daemon.call(`${name}.incr`), call);
    }
    for (const [index, name] of names.entries())
      t.is(await daemon.call(`${name}.get`), index % 3, `${name}'s own count`);
  });

test('a member throwing at setup fails only its own load; the others serve', async (t) => {
  t.timeout(120_000);
  const broken = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({ setup() { throw new Error('setup refuses'); } });
`;
  const daemon = await sharedDaemon(t, { 'broken.plugin.js': broken });
  const plugins = await byName(daemon);
  t.like(plugins.get('broken'), { state: 'failed' });
  t.regex(plugins.get('broken')!.lastError ?? '', /setup refuses/);
  for (const name of names) t.is(plugins.get(name)!.state, 'ready');
  for (const [index, name] of names.entries()) t.like(await daemon.call(`${name}.which`), { index });
});

for (const isolation of ['thread', 'process'] as const)
  test(`${isolation} mode: process.exit in one member restarts the shared worker: every member serves again`, async (t) => {
    t.timeout(120_000);
    const daemon = await sharedDaemon(t, {}, { isolation });
    const before = await sharedThread(t, daemon);
    await t.throwsAsync(daemon.call('m3.exit'), { message: /shared worker light ended|exited with code 3/ });
    const plugins = await until(
      () => byName(daemon),
      (list) => names.every((name) => list.get(name)!.state === 'ready' && list.get(name)!.restarts === 1),
    );
    for (const name of names)
      t.regex(plugins.get(name)!.lastError ?? '', /shared worker light ended: exited with code 3/);
    const after = await sharedThread(t, daemon);
    t.not(after, before, 'a new worker');
    for (const [index, name] of names.entries()) t.like(await daemon.call(`${name}.which`), { index });
  });

/** Threads, and processes over the channel they get here (the ring with the addon) and over the IPC pipe. */
const RELOAD_MODES = [
  { mode: 'thread', isolation: 'thread', env: {} },
  { mode: 'process', isolation: 'process', env: {} },
  { mode: 'process (pipe)', isolation: 'process', env: { [HIDE_SHM_ENV]: '1' } },
] as const;

for (const { mode, isolation, env } of RELOAD_MODES)
  test(`${mode} mode: a reload of one member under ${CLIENTS} looping clients loses no call and carries every member's state`, async (t) => {
    t.timeout(180_000);
    const daemon = await sharedDaemon(t, {}, { isolation }, env);
    const before = await sharedThread(t, daemon);
    let done = false;
    const answered = new Map<string, number[]>();
    const errors: string[] = [];
    const loops = Array.from({ length: CLIENTS }, async (_, client) => {
      const connection = await daemon.client();
      for (let call = 0; !done; call++) {
        const name = names[(client * 7 + call) % COUNT];
        try {
          const value = await connection.call<number>(`${name}.incr`);
          answered.set(name, [...(answered.get(name) ?? []), value]);
        } catch (error) {
          errors.push(`${name}: ${(error as Error).message}`);
        }
      }
    });
    await until(
      async () => [...answered.values()].reduce((sum, values) => sum + values.length, 0),
      (total) => total >= CLIENTS * 20,
    );
    writeFileSync(join(daemon.pluginDir, 'm5.plugin.js'), counter(5, 2));
    t.like(await daemon.call('plugins.reload', { name: 'm5' }), { name: 'm5', changed: true });
    // Calls go on across the move of every other member.
    const settled = await until(
      () => byName(daemon),
      (list) => new Set(names.map((name) => workerOf(list.get(name)!))).size === 1,
    );
    const total = () => [...answered.values()].reduce((sum, values) => sum + values.length, 0);
    const atMove = total();
    await until(
      async () => total(),
      (count) => count >= atMove + CLIENTS * 10,
    );
    done = true;
    await Promise.all(loops);
    t.deepEqual(errors, []);
    t.not(workerOf(settled.get('m0')!), before, 'every member moved to the new worker');
    if (mode === 'process (pipe)') t.is(settled.get('m0')!.channel, 'pipe');
    t.like(await daemon.call('m5.which'), { index: 5, version: 2 });
    for (const name of names) {
      const values = answered.get(name) ?? [];
      t.is(await daemon.call(`${name}.get`), values.length, `${name}: every answered increment is in its state`);
      t.is(new Set(values).size, values.length, `${name}: no value handed out twice`);
    }
  });

test('a member edited into a syntax error leaves the old shared worker serving, every member with it', async (t) => {
  t.timeout(120_000);
  const daemon = await sharedDaemon(t);
  const before = await sharedThread(t, daemon);
  for (const name of names) await daemon.call(`${name}.incr`);
  writeFileSync(join(daemon.pluginDir, 'm2.plugin.js'), 'export default {{ not javascript');
  const error = await t.throwsAsync<Error>(daemon.call('plugins.reload', { name: 'm2' }));
  t.regex(error.message, /plugin m2 failed to load/);
  const plugins = await byName(daemon);
  for (const name of names) {
    t.is(plugins.get(name)!.state, 'ready');
    t.is(workerOf(plugins.get(name)!), before);
  }
  for (const [index, name] of names.entries()) {
    t.like(await daemon.call(`${name}.which`), { index, version: 1 });
    t.is(await daemon.call(`${name}.incr`), 2);
  }
});

test('members that disagree on isolation fail with the reason, naming both; auto puts native code in a process', async (t) => {
  t.timeout(60_000);
  const plain = counter(0);
  const daemon = await startDaemon(t, {
    plugins: {
      'a.plugin.js': plain,
      'native/package.json': JSON.stringify({ name: 'native', plugd: { entry: 'index.js' }, type: 'module' }),
      'native/index.js': plain,
      'native/binding.gyp': '{ "targets": [] }',
    },
    config: { plugins: { a: { sharedWorker: 'mixed' }, native: { sharedWorker: 'mixed' } } },
  });
  const status = await daemon.call<{ plugins: number }>('daemon.status');
  const plugins = await byName(daemon);
  const [joined, refused] = plugins.has('a') ? ['a', 'native'] : ['native', 'a'];
  t.is(status.plugins, 1, 'only the first to join is loaded');
  t.is(plugins.get(joined)!.state, 'ready');
  const log = daemon.output();
  t.regex(
    log,
    new RegExp(
      `plugin ${refused} failed to load: it cannot share worker "mixed" with ${joined}: .*runs in a (process|thread) and ${joined} in a (thread|process)`,
    ),
  );
});

test('a blocked event loop in one member: the watchdog ends the shared worker, and every member serves again', async (t) => {
  t.timeout(120_000);
  const blocker = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({ setup(ctx) { ctx.rpc.method('block', {}, () => { for (;;); }); } });
`;
  const daemon = await sharedDaemon(t, { 'blocker.plugin.js': blocker }, { supervision: { heartbeatTimeoutMs: 1000 } });
  const before = await sharedThread(t, daemon);
  await t.throwsAsync(daemon.call('blocker.block'), { message: /event loop blocked/ });
  const plugins = await until(
    () => byName(daemon),
    (list) => names.every((name) => list.get(name)!.state === 'ready' && list.get(name)!.restarts === 1),
  );
  // Each member's watchdog reads the worker's one heartbeat: each names the blocked loop.
  for (const name of names) t.regex(plugins.get(name)!.lastError ?? '', /event loop blocked/);
  t.not(await sharedThread(t, daemon), before);
  for (const [index, name] of names.entries()) t.like(await daemon.call(`${name}.which`), { index });
});

test('out of memory in one member ends the shared worker: every member restarts and serves again', async (t) => {
  t.timeout(120_000);
  const hoarder = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({ setup(ctx) {
  ctx.rpc.method('oom', {}, () => { const hoard = []; for (;;) hoard.push(new Array(100000).fill(Math.random())); });
} });
`;
  // An allocation loop also stalls the event loop; a long heartbeat lets the heap limit strike first.
  const supervision = { heartbeatTimeoutMs: 60_000, resourceLimits: { maxOldGenerationSizeMb: 32 } };
  const daemon = await sharedDaemon(t, { 'hoarder.plugin.js': hoarder }, { supervision });
  await t.throwsAsync(daemon.call('hoarder.oom'), { message: /out of memory/ });
  const plugins = await until(
    () => byName(daemon),
    (list) => names.every((name) => list.get(name)!.state === 'ready' && list.get(name)!.restarts === 1),
  );
  t.regex(plugins.get('m0')!.lastError ?? '', /shared worker light ended: out of memory/);
  for (const [index, name] of names.entries()) t.like(await daemon.call(`${name}.which`), { index });
});

test('onCall members of a shared worker start in it at their call, leave it when idle, and keep their state', async (t) => {
  t.timeout(120_000);
  const plugins = { 'a.plugin.js': counter(0), 'b.plugin.js': counter(1) };
  const member = { sharedWorker: 'lazy', activation: 'onCall', idleStopMs: 500 };
  const daemon = await startDaemon(t, { plugins, config: { plugins: { a: member, b: member } } });
  t.deepEqual(
    [...(await byName(daemon)).values()].map((plugin) => plugin.state),
    ['idle', 'idle'],
  );
  t.is(await daemon.call('a.incr'), 1);
  t.is(await daemon.call('b.incr'), 1);
  const running = await byName(daemon);
  if (running.get('a')!.state === 'ready' && running.get('b')!.state === 'ready')
    t.is(running.get('a')!.threadId, running.get('b')!.threadId, 'both in one worker');
  await until(
    async () => [...(await byName(daemon)).values()].map((plugin) => plugin.state),
    (states) => states.every((state) => state === 'idle'),
  );
  t.is(await daemon.call('a.get'), 1, "a's state came back");
  t.is(await daemon.call('b.get'), 1, "b's state came back");
});

test('a re-read plugd.json moves a plugin into a shared worker and out again, its state carried', async (t) => {
  t.timeout(120_000);
  const plugins = { 'a.plugin.js': counter(0), 'b.plugin.js': counter(1) };
  const daemon = await startDaemon(t, { plugins, config: { plugins: { a: { sharedWorker: 'light' } } } });
  t.is(await daemon.call('b.incr'), 1);
  const writeConfig = (config: object) => writeFileSync(join(daemon.home, 'plugd.json'), JSON.stringify(config));

  writeConfig({ plugins: { a: { sharedWorker: 'light' }, b: { sharedWorker: 'light' } } });
  t.like(await daemon.call('daemon.reload'), { reloaded: ['b'] });
  let listed = await byName(daemon);
  t.like(listed.get('b'), { state: 'ready', sharedWorker: 'light' });
  t.is(listed.get('b')!.threadId, listed.get('a')!.threadId, 'b joined a');
  t.is(await daemon.call('b.incr'), 2);

  writeConfig({ plugins: { a: { sharedWorker: 'light' } } });
  t.like(await daemon.call('daemon.reload'), { reloaded: ['b'] });
  listed = await byName(daemon);
  t.is(listed.get('b')!.sharedWorker, undefined);
  t.not(listed.get('b')!.threadId, listed.get('a')!.threadId, 'b in a worker of its own again');
  t.is(await daemon.call('b.incr'), 3);
});

test("members' ctx.log lines name each member; console output, which no member can be told by, names the shared worker", async (t) => {
  t.timeout(60_000);
  const chatty = (name: string) => `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({ setup(ctx) {
  ctx.rpc.method('talk', {}, () => { ctx.log.info('${name} via ctx.log'); console.log('${name} on stdout'); return 'said'; });
} });
`;
  const member = { sharedWorker: 'light' };
  const daemon = await startDaemon(t, {
    plugins: { 'a.plugin.js': chatty('a'), 'b.plugin.js': chatty('b') },
    config: { plugins: { a: member, b: member } },
  });
  t.is(await daemon.call('a.talk'), 'said');
  t.is(await daemon.call('b.talk'), 'said');
  const log = join(daemon.home, 'plugd.log');
  const records = await until(
    async () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg?: string; plugin?: string; stream?: string }),
    (lines) =>
      ['a via ctx.log', 'b via ctx.log', 'a on stdout', 'b on stdout'].every((msg) =>
        lines.some((line) => line.msg === msg),
      ),
  );
  const find = (msg: string) => records.find((record) => record.msg === msg);
  t.like(find('a via ctx.log'), { plugin: 'a' });
  t.like(find('b via ctx.log'), { plugin: 'b' });
  t.like(find('a on stdout'), { plugin: 'sharedWorker:light', stream: 'stdout' });
  t.like(find('b on stdout'), { plugin: 'sharedWorker:light', stream: 'stdout' });
});

test('a signal reaches only the members that listen for it', async (t) => {
  t.timeout(60_000);
  const listener = (listens: boolean) => `
import { definePlugin } from 'plugd/sdk';
let heard = 0;
export default definePlugin({ setup(ctx) {
  ${listens ? "ctx.signals.on('SIGUSR2', () => { heard++; });" : ''}
  ctx.rpc.method('heard', {}, () => heard);
} });
`;
  const member = { sharedWorker: 'light' };
  const daemon = await startDaemon(t, {
    plugins: { 'a.plugin.js': listener(true), 'b.plugin.js': listener(false), 'c.plugin.js': listener(true) },
    config: { plugins: { a: member, b: member, c: member } },
  });
  daemon.signal('SIGUSR2');
  await until(
    async () => [await daemon.call<number>('a.heard'), await daemon.call<number>('c.heard')],
    (heard) => heard.every((count) => count === 1),
  );
  t.is(await daemon.call('b.heard'), 0);
  t.is(await daemon.call('a.heard'), 1, 'a heard it once, not once per member');
});
