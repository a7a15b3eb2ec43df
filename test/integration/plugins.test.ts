// Plugins in the real daemon: discovery, workers, methods over the socket,
// signals forwarded into workers, junk in the folder, load/unload/reload.

import test from 'ava';
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runCli, startDaemon, writePlugin } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

/** A plugin as someone else would write it: only the documented API. */
const GREETER = `
import { definePlugin } from 'plugd/sdk';
let usr2 = 0;
export default definePlugin({
  setup(ctx) {
    ctx.signals.on('SIGUSR2', () => { usr2++; });
    ctx.rpc.method('hello', { params: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] } },
      ({ who }) => 'hello ' + who);
    ctx.rpc.method('usr2', {}, () => usr2);
  },
});
`;

const THROWS = `
export default {
  setup(ctx) {
    ctx.rpc.method('boom', {}, () => { throw new Error('kaboom'); });
    ctx.rpc.method('thread', {}, async () => (await import('node:worker_threads')).threadId);
    ctx.rpc.method('bigint', {}, () => BigInt(1));
    ctx.rpc.method('infinite', {}, () => ({ ratio: 1 / 0 }));
    ctx.rpc.method('nothing', {}, () => undefined);
    ctx.rpc.method('nested', {}, () => ({ text: 'ü € 😀 "quoted"\\n', list: [1, null, { deep: true }] }));
  },
};
`;

test('the example plugins load and answer; a typed method rejects bad params with -32602', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  t.deepEqual(await daemon.call('echo.say', { text: 'hi' }), { text: 'hi' });
  t.deepEqual(await daemon.call('echo.echo', [1, 'two']), [1, 'two']);
  const error = await t.throwsAsync<any>(daemon.call('echo.say', { text: 3 }));
  t.is(error.code, -32602);
  t.deepEqual(error.data, { method: 'echo.say', plugin: 'echo' });
  const methods: string[] = await daemon.call('system.listMethods');
  t.true(methods.includes('echo.say') && methods.includes('counter.count'));
  const signature = await daemon.call('system.methodSignature', { method: 'echo.say' });
  t.is(signature.params.properties.text.type, 'string');
  const discover = await daemon.call('rpc.discover');
  const say = discover.methods.find((method: any) => method.name === 'echo.say');
  t.deepEqual(
    say.params.map((param: any) => [param.name, param.required]),
    [['text', true]],
  );
});

test('a plugin dropped into a running daemon answers after SIGHUP and plugd reload, gets SIGUSR2, and leaves cleanly', async (t) => {
  const daemon = await startDaemon(t);
  await t.throwsAsync(daemon.call('greeter.hello', { who: 'x' }), { message: 'Method not found: greeter.hello' });

  writePlugin(daemon.pluginDir, 'greeter.plugin.js', GREETER);
  daemon.signal('SIGHUP');
  t.is(
    await until(
      () => daemon.call('system.listMethods'),
      (names: string[]) => names.includes('greeter.hello'),
    ).then(() => daemon.call('greeter.hello', { who: 'you' })),
    'hello you',
  );

  // Signals sent back to back may merge into one (POSIX): send the second after the first arrived.
  daemon.signal('SIGUSR2');
  t.is(
    await until(
      () => daemon.call('greeter.usr2'),
      (count) => count === 1,
    ),
    1,
  );
  daemon.signal('SIGUSR2');
  t.is(
    await until(
      () => daemon.call('greeter.usr2'),
      (count) => count === 2,
    ),
    2,
  );

  writePlugin(daemon.pluginDir, 'greeter.plugin.js', GREETER.replace("'hello '", "'hi '"));
  const reload = await runCli(['--home', daemon.home, 'reload']);
  t.is(reload.code, 0, reload.stderr);
  t.regex(reload.stdout, /reloaded: greeter/);
  t.is(await daemon.call('greeter.hello', { who: 'you' }), 'hi you');

  rmSync(join(daemon.pluginDir, 'greeter.plugin.js'));
  daemon.signal('SIGHUP');
  const gone = await until(
    () =>
      daemon.call('greeter.hello', { who: 'x' }).then(
        () => 0,
        (error) => error.code,
      ),
    (code) => code === -32601,
  );
  t.is(gone, -32601);
  t.deepEqual(await daemon.call('plugins.list'), []);
});

test('plugins run in different threads; a throwing handler or an unsendable result names the plugin and harms nobody', async (t) => {
  const daemon = await startDaemon(t, { examples: true, plugins: { 'thrower.plugin.mjs': THROWS } });
  const error = await t.throwsAsync<any>(daemon.call('thrower.boom'));
  t.is(error.code, -32603);
  t.regex(error.message, /thrower: kaboom/);
  t.deepEqual(error.data, { plugin: 'thrower' });
  const unsendable = await t.throwsAsync<any>(daemon.call('thrower.bigint'));
  t.is(unsendable.code, -32603);
  t.regex(unsendable.message, /thrower: result cannot be sent as JSON: .*BigInt/);
  // JSON would write Infinity as null: the value would change on its way out, so it is refused instead.
  const infinite = await t.throwsAsync<any>(daemon.call('thrower.infinite'));
  t.is(infinite.code, -32603);
  t.regex(infinite.message, /thrower: result cannot be sent as JSON: ratio is Infinity/);
  t.is(await daemon.call('thrower.nothing'), null);
  t.deepEqual(await daemon.call('thrower.nested'), { text: 'ü € 😀 "quoted"\n', list: [1, null, { deep: true }] });
  t.deepEqual(await daemon.call('echo.say', { text: 'still here' }), { text: 'still here' });
  const plugins: any[] = await daemon.call('plugins.list');
  const threads = plugins.map((plugin) => plugin.threadId);
  t.is(new Set(threads).size, 3);
  t.is(await daemon.call('thrower.thread'), plugins.find((plugin) => plugin.name === 'thrower').threadId);
});

test('a folder with junk in it still loads the good plugins', async (t) => {
  const daemon = await startDaemon(t, {
    examples: true,
    plugins: {
      'notes.txt': 'not a plugin',
      'broken-json/package.json': '{ nope',
      'no-field/package.json': JSON.stringify({ name: 'no-field' }),
      'no-manifest/index.js': 'export default 1',
      'syntax.plugin.js': 'export default {{{',
      'no-export.plugin.js': 'export const x = 1;',
      'throws-in-setup.plugin.js': 'export default { setup() { throw new Error("setup says no"); } }',
      'daemon.plugin.js': 'export default { setup() {} }',
      'pkg/package.json': JSON.stringify({ name: 'pkg', version: '1.2.3', plugd: { entry: 'main.js' } }),
      'pkg/main.js': 'export default { setup(ctx) { ctx.rpc.method("v", {}, () => ctx.name); } }',
    },
  });
  t.is(await daemon.call('pkg.v'), 'pkg');
  t.deepEqual(await daemon.call('echo.say', { text: 'ok' }), { text: 'ok' });
  const plugins: any[] = await daemon.call('plugins.list');
  const states = Object.fromEntries(plugins.map((plugin) => [plugin.name, plugin.state]));
  t.deepEqual(states, {
    counter: 'ready',
    echo: 'ready',
    'no-export': 'failed',
    pkg: 'ready',
    syntax: 'failed',
    'throws-in-setup': 'failed',
  });
  t.regex(plugins.find((plugin) => plugin.name === 'throws-in-setup').lastError, /setup says no/);
  t.regex(plugins.find((plugin) => plugin.name === 'syntax').lastError, /compile error/);
  const log = daemon.output();
  const junk = ['notes.txt', 'broken-json', 'no-field', 'no-manifest', 'daemon.plugin.js'];
  for (const entry of junk) t.regex(log, new RegExp(`skipped .*${entry}`));
  // Not only in the log: daemon.status, plugd plugins and plugd reload name each one with its reason.
  const { skipped } = await daemon.call('daemon.status');
  t.deepEqual(skipped.map((entry: any) => basename(entry.path)).sort(), [...junk].sort());
  t.regex(skipped.find((entry: any) => entry.path.endsWith('daemon.plugin.js')).reason, /reserved/);
  const listed = await runCli(['--home', daemon.home, 'plugins']);
  const reloaded = await runCli(['--home', daemon.home, 'reload']);
  for (const output of [listed.stdout, reloaded.stdout]) {
    for (const entry of junk) t.regex(output, new RegExp(`skipped .*${entry}: `));
  }
});

test('a folder plugin named like one loaded from elsewhere is skipped by a rescan, and the log says so', async (t) => {
  const daemon = await startDaemon(t, { config: { loadPaths: ['elsewhere'] } });
  const outside = join(daemon.home, 'elsewhere');
  writePlugin(
    outside,
    'twin.plugin.js',
    'export default { setup(ctx) { ctx.rpc.method("where", {}, () => "elsewhere"); } }',
  );
  await daemon.call('plugins.load', { path: join(outside, 'twin.plugin.js') });
  writePlugin(
    daemon.pluginDir,
    'twin.plugin.js',
    'export default { setup(ctx) { ctx.rpc.method("where", {}, () => "folder"); } }',
  );
  const summary: any = await daemon.call('plugins.reload');
  t.regex(JSON.stringify(summary.skipped), /already taken/);
  t.is(await daemon.call('twin.where'), 'elsewhere');
  const logged = /skipped .*plugins\/twin\.plugin\.js.*already taken/;
  t.regex(
    await until(
      () => Promise.resolve(daemon.output()),
      (log) => logged.test(log),
    ),
    logged,
  );
});

test('plugins.load, plugins.unload and plugins.reload by name', async (t) => {
  const daemon = await startDaemon(t, { config: { loadPaths: ['elsewhere'] } });
  const elsewhere = join(daemon.home, 'elsewhere');
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'greeter.plugin.js'), GREETER);
  const loaded = await daemon.call('plugins.load', { path: join(elsewhere, 'greeter.plugin.js') });
  t.is(loaded.state, 'ready');
  t.deepEqual(loaded.methods, ['greeter.hello', 'greeter.usr2']);
  t.is(await daemon.call('greeter.hello', { who: 'a' }), 'hello a');
  t.deepEqual(await daemon.call('plugins.reload', { name: 'greeter' }), { name: 'greeter', changed: false });
  t.deepEqual(await daemon.call('plugins.reload', { name: 'greeter', force: true }), {
    name: 'greeter',
    changed: true,
  });
  t.is((await t.throwsAsync<any>(daemon.call('plugins.reload', { name: 'nobody' }))).code, -32602);
  t.deepEqual(await daemon.call('plugins.unload', { name: 'greeter' }), { unloaded: 'greeter' });
  t.is((await t.throwsAsync<any>(daemon.call('greeter.hello', { who: 'a' }))).code, -32601);
});
