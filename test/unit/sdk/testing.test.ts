// The plugin test harness (plugd/sdk/testing): a plugin loaded in-process must
// answer as the daemon would, errors included, and stop as the daemon stops it.

import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcError } from '../../../sdk/index.js';
import { loadPlugin } from '../../../sdk/testing.js';

const GREETER = new URL('../../fixtures/harness/greeter.plugin.ts', import.meta.url);

function tempFolder(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-harness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a call is answered with the result a client would get, JSON included', async (t) => {
  const host = await loadPlugin(GREETER);
  t.teardown(() => host.close());
  t.is(host.name, 'greeter');
  t.is(await host.call('greet', { name: 'you' }), 'hello, you!');
  t.is(await host.call('epoch'), '1970-01-01T00:00:00.000Z');
  t.is(await host.call('nothing'), null);
  t.deepEqual(await host.call('echo', [1, { two: undefined }]), [1, {}]);
  t.deepEqual(
    host.methods().find((method) => method.name === 'greet'),
    {
      name: 'greet',
      description: 'Greets someone.',
      params: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 } },
      },
    },
  );
});

test('config reaches ctx.config, and name overrides the plugin name', async (t) => {
  const host = await loadPlugin(GREETER, { config: { greeting: 'hi' }, name: 'hello' });
  t.teardown(() => host.close());
  t.is(host.name, 'hello');
  t.is(await host.call('greet', { name: 'you' }), 'hi, you!');
});

test("bad params are refused with -32602 and the daemon's message before the handler runs", async (t) => {
  const host = await loadPlugin(GREETER);
  t.teardown(() => host.close());
  const data = { method: 'greeter.greet', plugin: 'greeter' };
  const wrongType = await t.throwsAsync(host.call('greet', { name: 3 }), { instanceOf: RpcError });
  t.like(wrongType, { code: -32602, message: 'Invalid params: params.name must be string', data });
  await t.throwsAsync(host.call('greet', { name: 'x', extra: 1 }), {
    message: 'Invalid params: params has an unknown member "extra"',
  });
  await t.throwsAsync(host.call('greet'), { message: "Invalid params: params must have required property 'name'" });
  t.is(await host.call('greeted'), 0);
});

test('an unknown method is -32601, as in the daemon', async (t) => {
  const host = await loadPlugin(GREETER);
  t.teardown(() => host.close());
  const error = await t.throwsAsync(host.call('nope'), { instanceOf: RpcError });
  t.like(error, { code: -32601, data: undefined });
  t.regex(error.message, /^Method not found: (\S+\.)?nope$/);
});

test('a handler that throws, or returns what JSON cannot carry, answers -32603 naming the plugin; an RpcError keeps its own code and data', async (t) => {
  const host = await loadPlugin(GREETER);
  t.teardown(() => host.close());
  t.like(await t.throwsAsync(host.call('crash'), { instanceOf: RpcError }), {
    code: -32603,
    message: 'greeter: kaboom',
    data: { plugin: 'greeter' },
  });
  t.like(await t.throwsAsync(host.call('bigint'), { instanceOf: RpcError }), {
    code: -32603,
    message: 'greeter: result cannot be sent as JSON: Do not know how to serialize a BigInt',
  });
  t.like(await t.throwsAsync(host.call('refuse'), { instanceOf: RpcError }), {
    code: -32050,
    message: 'not today',
    data: { reason: 'closed' },
  });
});

test('signals and hook events reach the plugin; what it logs is kept in host.logs', async (t) => {
  const host = await loadPlugin(GREETER);
  t.teardown(() => host.close());
  host.signal('SIGUSR2');
  host.signal('SIGUSR2');
  host.signal('SIGHUP');
  t.is(await host.call('usr2'), 2);
  t.like(host.logs.at(-1), { level: 'info', msg: 'SIGUSR2 received', usr2: 2, plugin: 'greeter' });
  host.hook('pluginLoaded', { name: 'other', path: '/plugins/other' });
  t.deepEqual(await host.call('loaded'), ['other']);
});

test('close waits for calls in flight, runs onShutdown in reverse order, then the methods are gone', async (t) => {
  const host = await loadPlugin(GREETER);
  const slow = host.call('slow');
  await host.close();
  t.is(await slow, 'done');
  t.deepEqual(
    host.logs.map((record) => record.msg),
    ['registered last', 'registered first'],
  );
  await t.throwsAsync(host.call('greet', { name: 'you' }), { message: /^Method not found: (\S+\.)?greet$/ });
  await host.close();
  t.is(host.logs.length, 2);
});

test('each load starts from a fresh module, and snapshot/restore carry state from one load to the next', async (t) => {
  const old = await loadPlugin(GREETER);
  await old.call('greet', { name: 'a' });
  await old.call('greet', { name: 'b' });
  const next = await loadPlugin(GREETER);
  t.teardown(() => next.close());
  t.is(await next.call('loads'), 1);
  t.is(await next.call('greeted'), 0);
  await next.restore(await old.snapshot());
  await old.close();
  t.is(await next.call('greeted'), 2);
});

test('a package plugin is named after its package; a compile error rejects with its place', async (t) => {
  const dir = tempFolder(t);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@me/tool', plugd: { entry: 'src/index.ts' } }));
  writeFileSync(join(dir, 'src/index.ts'), 'export default { setup() {} };\n');
  const host = await loadPlugin(join(dir, 'src/index.ts'));
  t.is(host.name, 'tool');
  await host.close();
  writeFileSync(join(dir, 'src/index.ts'), 'export default { setup( {} };\n');
  await t.throwsAsync(loadPlugin(join(dir, 'src/index.ts')), { message: /^compile error: .*src\/index\.ts:1:\d+: / });
});

test('a failing onShutdown handler makes close reject with its message', async (t) => {
  const file = join(tempFolder(t), 'grumpy.plugin.ts');
  writeFileSync(
    file,
    "export default { setup(ctx: any) { ctx.onShutdown(() => { throw new Error('not now'); }); } };\n",
  );
  const host = await loadPlugin(file);
  await t.throwsAsync(host.close(), { message: 'grumpy: onShutdown failed: not now' });
});

test("the daemon's schema caps and RE2 patterns hold in the harness too: a plugin that would fail to load there fails here", async (t) => {
  const dir = tempFolder(t);
  writeFileSync(
    join(dir, 'many.plugin.ts'),
    `export default { setup(ctx) { for (let i = 0; i < 1001; i++) ctx.rpc.method('m' + i, {}, () => i); } };\n`,
  );
  await t.throwsAsync(loadPlugin(join(dir, 'many.plugin.ts')), {
    message: /plugin many declares 1001 methods, over limits\.maxMethodsPerPlugin \(1000\)/,
  });
  writeFileSync(
    join(dir, 'echoes.plugin.ts'),
    `export default { setup(ctx) { ctx.rpc.method('twice', { params: { type: 'string', pattern: '(a)\\\\1' } }, (s) => s); } };\n`,
  );
  await t.throwsAsync(loadPlugin(join(dir, 'echoes.plugin.ts')), {
    message: /echoes\.twice does not compile: pattern "\(a\)\\\\1" cannot run in linear time/,
  });
});

test('ctx.dir is the folder the daemon would give (a package plugin: its package; a file: its folder) and ctx.config {} by default', async (t) => {
  const dir = tempFolder(t);
  mkdirSync(join(dir, 'src'));
  const source =
    "export default { setup(ctx: any) { ctx.rpc.method('ctx', {}, () => ({ dir: ctx.dir, config: ctx.config })); } };\n";
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pkg', plugd: { entry: 'src/index.ts' } }));
  writeFileSync(join(dir, 'src/index.ts'), source);
  writeFileSync(join(dir, 'src/one.plugin.ts'), source);
  const inPackage = await loadPlugin(join(dir, 'src/index.ts'));
  t.deepEqual(await inPackage.call('ctx'), { dir, config: {} });
  await inPackage.close();
  const single = await loadPlugin(join(dir, 'src/one.plugin.ts'), { config: { n: 1 } });
  t.deepEqual(await single.call('ctx'), { dir: join(dir, 'src'), config: { n: 1 } });
  await single.close();
});
