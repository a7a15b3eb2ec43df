// Freeze, then snapshot: a reload of a stateful plugin (one with `snapshot`)
// holds new calls in a queue, lets the calls in flight finish, and only then
// takes the snapshot, so every answered call's effect crosses into the new
// worker. A freeze that outlasts `supervision.freezeTimeoutMs` fails the reload
// (naming the plugin and the phase) and the old worker serves on.

import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HIDE_SHM_ENV, loadShm } from '../../core/channel/shm.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { heldHandler, latch } from '../helpers/latch.js';
import { until } from '../helpers/until.js';

const COUNTER = `
import { definePlugin } from 'plugd/sdk';
let count = 0;
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('incr', {}, () => ++count);
    ctx.rpc.method('get', {}, () => count);
    ctx.rpc.method('quick', { timeoutMs: 300 }, () => count);
    ctx.rpc.method('held', {}, ${heldHandler('count')});
  },
  snapshot: () => count,
  restore: (state) => { count = state; },
});
`;

const CLIENTS = 8;
const RELOADS = 23;

async function counterPlugin(daemon: TestDaemon): Promise<any> {
  const plugins: any[] = await daemon.call('plugins.list');
  return plugins.find((plugin) => plugin.name === 'counter');
}

/** `CLIENTS` connections call `incr` in loops while `RELOADS` forced reloads run; every answer is kept. */
async function incrementsAcrossReloads(daemon: TestDaemon) {
  let done = false;
  const values: number[] = [];
  const errors: string[] = [];
  const loops = Array.from({ length: CLIENTS }, async () => {
    const client = await daemon.client();
    while (!done) {
      try {
        values.push(await client.call<number>('counter.incr'));
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  });
  // Every client has had answers before the first reload, so the reloads happen under load.
  await until(
    async () => values.length,
    (count) => count >= CLIENTS * 10,
  );
  for (let reload = 0; reload < RELOADS; reload++)
    await daemon.call('plugins.reload', { name: 'counter', force: true });
  done = true;
  await Promise.all(loops);
  return { values, errors };
}

/** Thread mode, and process mode over each channel a process plugin may have (the ring needs the addon). */
const MODES = [
  { isolation: 'thread', channel: 'sab', env: {} },
  { isolation: 'process', channel: 'shm', env: {} },
  { isolation: 'process', channel: 'pipe', env: { [HIDE_SHM_ENV]: '1' } },
] as const;

for (const { isolation, channel, env } of MODES) {
  const title = `${isolation} mode (${channel}): ${RELOADS} forced reloads under ${CLIENTS} clients lose no answered increment`;
  if (channel === 'shm' && !loadShm()) {
    test.skip(`${title}: the shared-memory addon is not built`, () => undefined);
    continue;
  }
  test(title, async (t) => {
    t.timeout(180_000); // 23 reloads under 8 clients: over a minute on a loaded 2-core machine.
    const daemon = await startDaemon(t, { plugins: { 'counter.plugin.js': COUNTER }, config: { isolation }, env });
    const { values, errors } = await incrementsAcrossReloads(daemon);
    t.deepEqual(errors, []);
    const counter = await daemon.call<number>('counter.get');
    t.is(counter, values.length, `${values.length} increments answered, the counter says ${counter}`);
    t.is(new Set(values).size, values.length, 'no value handed out twice');
    const plugin = await counterPlugin(daemon);
    t.is(plugin.reloads, RELOADS);
    t.like(plugin, { isolation, channel });
  });
}

test('a freeze that outlasts freezeTimeoutMs fails the reload, naming the plugin and the phase; the old worker serves on', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'counter.plugin.js': COUNTER },
    config: { supervision: { freezeTimeoutMs: 200 } },
  });
  await daemon.call('counter.incr');
  const before = (await counterPlugin(daemon)).threadId;
  const held = latch(daemon.home);
  const holding = daemon.call('counter.held', held.params);
  await held.entered();
  const reloading = daemon.call('plugins.reload', { name: 'counter', force: true });
  // Calls made during the freeze wait, then the old worker answers them.
  const waiting = (await daemon.client()).call<number>('counter.incr');
  const error = await t.throwsAsync<any>(reloading);
  t.regex(error.message, /plugin counter failed to freeze: .*freezeTimeoutMs of 200 ms/);
  t.like(error.data, { plugin: 'counter', phase: 'freeze' });
  t.is(await waiting, 2);
  const plugin = await counterPlugin(daemon);
  t.is(plugin.state, 'ready');
  t.is(plugin.threadId, before, 'the old worker serves on');
  t.is(await daemon.call('counter.incr'), 3);
  held.release();
  t.is(await holding, 3);
});

test('a new version whose restore fails rolls back: the old worker, unfrozen, serves the calls that waited', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'counter.plugin.js': COUNTER } });
  const before = (await counterPlugin(daemon)).threadId;
  writeFileSync(
    join(daemon.pluginDir, 'counter.plugin.js'),
    COUNTER.replace('restore: (state) => {', 'restore: (state) => { throw new Error("bad state");'),
  );
  let done = false;
  const values: number[] = [];
  const errors: string[] = [];
  const loops = Array.from({ length: 4 }, async () => {
    const client = await daemon.client();
    while (!done)
      await client.call<number>('counter.incr').then(
        (value) => values.push(value),
        (error: Error) => errors.push(error.message),
      );
  });
  await until(
    async () => values.length,
    (count) => count >= 40,
  );
  const error = await t.throwsAsync<any>(daemon.call('plugins.reload', { name: 'counter' }));
  done = true;
  await Promise.all(loops);
  t.regex(error.message, /plugin counter failed to restore its state: bad state/);
  t.like(error.data, { plugin: 'counter', phase: 'restore' });
  t.deepEqual(errors, []);
  t.is(await daemon.call('counter.get'), values.length);
  t.like(await counterPlugin(daemon), { state: 'ready', threadId: before });
});

test('a call queued by a freeze keeps its own deadline', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'counter.plugin.js': COUNTER },
    config: { supervision: { freezeTimeoutMs: 60_000 } },
  });
  const held = latch(daemon.home);
  const holding = daemon.call('counter.held', held.params);
  await held.entered();
  const reloading = daemon.call('plugins.reload', { name: 'counter', force: true });
  // `quick` has a deadline of 300 ms: once the freeze holds it (the new worker loads first), it ends
  // in the queue with -32003 while the freeze waits on `held`.
  const client = await daemon.client();
  const error: any = await until(
    () =>
      client.call('counter.quick').then(
        () => undefined,
        (failure: unknown) => failure,
      ),
    (failure) => failure !== undefined,
  );
  t.is(error.code, -32003);
  t.regex(error.message, /counter\.quick exceeded its deadline of 300 ms/);
  held.release();
  t.is(await holding, 0);
  t.deepEqual(await reloading, { name: 'counter', changed: true });
  t.is(await daemon.call('counter.quick'), 0);
});
