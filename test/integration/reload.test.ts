// Blue/green reload: under load no call fails, a broken new version leaves the
// old one serving, state crosses with snapshot/restore, in-flight calls drain.

import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { heldHandler, latch } from '../helpers/latch.js';
import { until } from '../helpers/until.js';

/** Without `stateful`, no snapshot/restore: the plugin keeps the blue/green overlap (no freeze). */
const versioned = (version: number, stateful = true) => `
import { definePlugin } from 'plugd/sdk';
let calls = 0;
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('get', {}, () => ({ version: ${version}, calls: ++calls }));
    ctx.rpc.method('held', {}, ${heldHandler(String(version))});
  },
  ${stateful ? 'snapshot: () => calls, restore: (state) => { calls = state; },' : ''}
});
`;

/** Runs `clients` loops of calls until `work` is done; returns calls made and errors seen. */
async function underLoad(daemon: TestDaemon, clients: number, work: () => Promise<void>) {
  let done = false;
  let calls = 0;
  const errors: string[] = [];
  const loops = Array.from({ length: clients }, async () => {
    const client = await daemon.client();
    while (!done) {
      try {
        await client.call('v.get');
        calls++;
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  });
  await work();
  done = true;
  await Promise.all(loops);
  return { calls, errors };
}

test('100 reloads by SIGHUP, RPC and file change under load from 8 clients cost no call', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(0) }, args: ['--watch'] });
  const file = join(daemon.pluginDir, 'v.plugin.js');
  let version = 0;
  const { calls, errors } = await underLoad(daemon, 8, async () => {
    for (let round = 0; round < 100; round++) {
      const way = round % 3;
      if (way === 0) {
        await daemon.call('plugins.reload', { name: 'v', force: true });
      } else {
        writeFileSync(file, versioned(++version));
        if (way === 1) daemon.signal('SIGHUP');
        const expected = version;
        await until(
          () => daemon.call('v.get'),
          (answer) => answer.version === expected,
          10,
        );
      }
    }
  });
  t.deepEqual(errors, []);
  t.true(calls > 100, `${calls} calls`);
  const [plugin] = await daemon.call('plugins.list');
  t.is(plugin.state, 'ready');
  t.is(plugin.restarts, 0);
});

test('a reload to broken code leaves the old version serving and answers with the reason', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(1) } });
  const file = join(daemon.pluginDir, 'v.plugin.js');
  for (const [broken, reason] of [
    ['export default {{', /compile error: \/.*\/v\.plugin\.js:1:16: Expected identifier/],
    ['export default { setup() { throw new Error("nope"); } }', /nope/],
  ] as const) {
    writeFileSync(file, broken);
    const error = await t.throwsAsync<any>(daemon.call('plugins.reload', { name: 'v' }));
    t.regex(error.message, /plugin v failed to load/);
    t.regex(error.message, reason);
    t.is(error.data.plugin, 'v');
    t.is((await daemon.call('v.get')).version, 1);
    const [plugin] = await daemon.call('plugins.list');
    t.is(plugin.state, 'ready');
    t.regex(plugin.lastError, reason);
  }
});

test('state crosses a reload through snapshot/restore', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(1) } });
  await daemon.call('v.get');
  await daemon.call('v.get');
  writeFileSync(join(daemon.pluginDir, 'v.plugin.js'), versioned(2));
  t.deepEqual(await daemon.call('plugins.reload', { name: 'v' }), { name: 'v', changed: true });
  t.deepEqual(await daemon.call('v.get'), { version: 2, calls: 3 });
});

test('a plugin without snapshot keeps the overlap: an in-flight call drains on the old version while the new one serves', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(1, false) } });
  const held = latch(daemon.home);
  let answered = false;
  const inFlight = daemon.call('v.held', held.params).finally(() => (answered = true));
  await held.entered();
  writeFileSync(join(daemon.pluginDir, 'v.plugin.js'), versioned(2, false));
  t.deepEqual(await daemon.call('plugins.reload', { name: 'v' }), { name: 'v', changed: true });
  t.deepEqual(await daemon.call('v.get'), { version: 2, calls: 1 });
  t.false(answered, 'the held call is answered only once released');
  held.release();
  t.is(await inFlight, 1);
});

test('an unchanged plugin is not reloaded unless forced', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(1) } });
  const before = (await daemon.call('plugins.list'))[0].threadId;
  t.deepEqual(await daemon.call('plugins.reload', { name: 'v' }), { name: 'v', changed: false });
  t.is((await daemon.call('plugins.list'))[0].threadId, before);
  const summary = await daemon.call('daemon.reload');
  t.deepEqual(summary.unchanged, ['v']);
  await daemon.call('plugins.reload', { name: 'v', force: true });
  t.not((await daemon.call('plugins.list'))[0].threadId, before);
});
