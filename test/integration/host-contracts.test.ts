// Contracts of the plugin host found broken from outside (issue 13): console
// output as log records, schemas per plugin, a fresh crash history after a
// reload, only RpcErrors carry their own code, a params schema that does not
// compile fails the load, and a method deadline of 0 means none.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, writePlugin } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const stateOf = async (daemon: { call: (method: string, params?: unknown) => Promise<any> }, name: string) =>
  ((await daemon.call('plugins.list')) as any[]).find((plugin) => plugin.name === name);

test("a plugin's console output becomes log records naming the plugin and the stream", async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'chatty.plugin.mjs': `export default { setup(ctx) {
        ctx.rpc.method('talk', {}, () => { console.log('to stdout'); console.error('to stderr'); return 'said'; });
      } };`,
    },
  });
  t.is(await daemon.call('chatty.talk'), 'said');
  const log = join(daemon.home, 'plugd.log');
  const records = await until(
    async () => readFileSync(log, 'utf8').trim().split('\n'),
    (lines) => lines.some((line) => line.includes('to stderr')),
  );
  // Every line of the log is a JSON record: a log shipper reading NDJSON never stops.
  const parsed = records.map((line) => JSON.parse(line));
  const out = parsed.find((record) => record.msg === 'to stdout');
  const err = parsed.find((record) => record.msg === 'to stderr');
  t.like(out, { plugin: 'chatty', stream: 'stdout', level: 30 });
  t.like(err, { plugin: 'chatty', stream: 'stderr', level: 40 });
});

test('ctx.log writes plugd.log records naming the plugin, from setup, methods and loops, at the first use as later', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'early.plugin.mjs': `export default { setup(ctx) { ctx.log.info({ phase: 'setup' }, 'set up'); ctx.rpc.method('ping', {}, () => 1); } };`,
      'late.plugin.mjs': `export default { setup(ctx) {
        ctx.rpc.method('note', {}, () => { ctx.log.warn({ n: 1 }, 'noted'); return 'ok'; });
        ctx.loop(() => { throw new Error('loop broke'); }, { intervalMs: 60_000 });
      } };`,
    },
  });
  t.is(await daemon.call('late.note'), 'ok');
  const log = join(daemon.home, 'plugd.log');
  const records = await until(
    async () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    (lines) => ['set up', 'noted', 'loop iteration threw'].every((msg) => lines.some((record) => record.msg === msg)),
  );
  const find = (msg: string) => records.find((record) => record.msg === msg);
  t.like(find('set up'), { plugin: 'early', phase: 'setup', level: 30 });
  t.like(find('noted'), { plugin: 'late', n: 1, level: 40 });
  t.like(find('loop iteration threw'), { plugin: 'late', level: 50, err: { message: 'loop broke' } });
});

const withId = (id: string, member: string) => `export default { setup(ctx) {
  ctx.rpc.method('take', { params: { $id: '${id}', type: 'object', properties: { ${member}: { type: 'number' } }, required: ['${member}'] } },
    (params) => params.${member});
} };`;

test('two plugins may declare schemas with the same $id, and an edited one reloads', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'one.plugin.mjs': withId('Req', 'a'), 'two.plugin.mjs': withId('Req', 'b') },
  });
  t.is(await daemon.call('one.take', { a: 1 }), 1);
  t.is(await daemon.call('two.take', { b: 2 }), 2);
  writePlugin(daemon.pluginDir, 'one.plugin.mjs', withId('Req', 'c'));
  await daemon.call('plugins.reload', { name: 'one' });
  t.is(await daemon.call('one.take', { c: 3 }), 3);
  const refused = await t.throwsAsync<any>(daemon.call('one.take', { a: 1 }));
  t.is(refused.code, -32602);
});

test('a reload gives a failed plugin a fresh crash history', async (t) => {
  const daemon = await startDaemon(t, {
    config: { supervision: { restart: { initialDelayMs: 10, maxDelayMs: 20, maxCrashes: 2, windowMs: 60_000 } } },
    plugins: {
      'brittle.plugin.mjs': `export default { setup(ctx) { ctx.rpc.method('die', {}, () => process.exit(3)); } };`,
    },
  });
  await t.throwsAsync(daemon.call('brittle.die'));
  await until(
    () => stateOf(daemon, 'brittle'),
    (plugin) => plugin.state === 'ready',
  );
  await t.throwsAsync(daemon.call('brittle.die'));
  await until(
    () => stateOf(daemon, 'brittle'),
    (plugin) => plugin.state === 'failed',
  );
  await daemon.call('plugins.reload', { name: 'brittle', force: true });
  t.is((await stateOf(daemon, 'brittle')).state, 'ready');
  await t.throwsAsync(daemon.call('brittle.die'));
  // One crash after the reload restarts it: the two before the reload are forgotten.
  const after = await until(
    () => stateOf(daemon, 'brittle'),
    (plugin) => plugin.state !== 'crashed' && plugin.state !== 'loading',
  );
  t.not(after.state, 'failed');
});

test('only an RpcError carries its own code; any other throw is -32603 naming the plugin', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'codes.plugin.mjs': `import { definePlugin, RpcError } from 'plugd/sdk';
      export default definePlugin({ setup(ctx) {
        ctx.rpc.method('aborted', {}, () => AbortSignal.abort().throwIfAborted());
        ctx.rpc.method('duplicate', {}, () => { throw Object.assign(new Error('E11000 duplicate key'), { code: 11000 }); });
        ctx.rpc.method('own', {}, () => { throw new RpcError(-32050, 'my own code', { why: 'because' }); });
      } });`,
    },
  });
  for (const method of ['aborted', 'duplicate']) {
    const error = await t.throwsAsync<any>(daemon.call(`codes.${method}`));
    t.is(error.code, -32603, method);
    t.regex(error.message, /^codes: /);
    t.deepEqual(error.data, { plugin: 'codes' });
  }
  const own = await t.throwsAsync<any>(daemon.call('codes.own'));
  t.is(own.code, -32050);
  t.deepEqual(own.data, { why: 'because' });
});

test('a params schema that does not compile fails the load with the reason', async (t) => {
  const unfit = {
    bad: [`{ type: 'no-such-type' }`, /type must be JSONType/],
    kind: [`{ type: 'object', required: 'a' }`, /required value must be/],
    ref: [`{ $ref: '#/definitions/nowhere' }`, /can't resolve reference/],
  } as const;
  const plugins = Object.fromEntries(
    Object.entries(unfit).map(([name, [schema]]) => [
      `${name}.plugin.mjs`,
      `export default { setup(ctx) { ctx.rpc.method('m', { params: ${schema} }, () => 1); } };`,
    ]),
  );
  const daemon = await startDaemon(t, { plugins });
  for (const [name, [, reason]] of Object.entries(unfit)) {
    const plugin = await stateOf(daemon, name);
    t.is(plugin.state, 'failed', name);
    t.regex(plugin.lastError, new RegExp(`params schema of ${name}\\.m does not compile`), name);
    t.regex(plugin.lastError, reason, name);
    const error = await t.throwsAsync<any>(daemon.call(`${name}.m`));
    t.is(error.code, -32601, name);
  }
});

test('a method deadline of 0 means no deadline', async (t) => {
  const daemon = await startDaemon(t, {
    config: { supervision: { callTimeoutMs: 50 } },
    plugins: {
      'patient.plugin.mjs': `export default { setup(ctx) {
        ctx.rpc.method('wait', { timeoutMs: 0 }, () => new Promise((resolve) => setTimeout(() => resolve('done'), 300)));
      } };`,
    },
  });
  t.is(await daemon.call('patient.wait'), 'done');
});
