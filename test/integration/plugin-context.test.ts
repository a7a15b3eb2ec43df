// What a plugin learns of itself (README "Plugin API"): ctx.config is always an
// object, ctx.dir is its folder in a thread and in a process alike (while
// process.cwd() differs); user/group/env on a thread plugin are not silently
// dropped; `plugd new --file` writes a single-file plugin that tsc accepts.

import test from 'ava';
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginStatus } from '../../core/contract/plugin-status.js';
import { makeHome, ROOT, runCli, startDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const whereAmI = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('where', {}, () => ({ config: ctx.config, dir: ctx.dir, cwd: process.cwd() }));
  },
});
`;

const folderPlugin = (name: string) => ({
  [`${name}/package.json`]: JSON.stringify({ name, type: 'module', plugd: { entry: 'src/index.js' } }),
  [`${name}/src/index.js`]: whereAmI,
});

test('ctx.config is {} when unset; ctx.dir is the plugin folder (a single file: its folder), in a thread and in a process', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { ...folderPlugin('folder'), ...folderPlugin('proc'), 'single.plugin.js': whereAmI },
    config: { plugins: { proc: { isolation: 'process', config: { n: 1 } } } },
  });
  const folder = await daemon.call('folder.where');
  t.deepEqual(folder.config, {});
  t.is(folder.dir, join(daemon.pluginDir, 'folder'));
  t.is(folder.cwd, process.cwd(), "a thread plugin's cwd is the daemon's");

  const single = await daemon.call('single.where');
  t.deepEqual(single.config, {});
  t.is(single.dir, daemon.pluginDir);

  const proc = await daemon.call('proc.where');
  t.deepEqual(proc.config, { n: 1 });
  t.is(proc.dir, join(daemon.pluginDir, 'proc'));
  t.is(proc.cwd, proc.dir, "a process plugin's cwd is its folder");
  const list = await daemon.call<PluginStatus[]>('plugins.list');
  t.is(list.find((plugin) => plugin.name === 'proc')?.isolation, 'process');
});

test('env set for a plugin the config also puts in a thread is never silently ignored: its load fails, naming both', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'single.plugin.js': whereAmI },
    config: { plugins: { single: { isolation: 'thread', env: { MODE: 'fast' } } } },
  });
  const output = await until(
    async () => daemon.output(),
    (text) => text.includes('sets env, which only a process has'),
  );
  t.regex(output, /plugins\.single says isolation "thread" but sets env/);
});

test('a config that is not an object is refused at start, naming the key', async (t) => {
  const { home } = makeHome(t, { config: { plugins: { a: { config: 'text' } } } });
  const start = await runCli(['--home', home, 'start']);
  t.is(start.code, 1);
  t.regex(start.stderr, /config\.plugins\.a\.config must be object/);
});

function tsc(project: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      cwd: project,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => done({ code, output }));
  });
}

test('plugd new --file writes NAME.plugin.ts and a tsconfig.json with which tsc type-checks it; the daemon serves it and ignores the tsconfig', async (t) => {
  t.timeout(180_000, 'two runs of tsc on a busy machine');
  const daemon = await startDaemon(t);
  const created = await runCli(['--home', daemon.home, 'new', '--file', 'hello']);
  t.is(created.code, 0, created.stderr);
  const file = join(daemon.pluginDir, 'hello.plugin.ts');
  t.is(created.stdout, `created ${file}\ncreated ${join(daemon.pluginDir, 'tsconfig.json')}\n`);

  const checked = await tsc(daemon.pluginDir);
  t.is(checked.code, 0, checked.output);

  writeFileSync(
    join(daemon.home, 'plugd.json'),
    JSON.stringify({ plugins: { hello: { config: { greeting: 'hi' } } } }),
  );
  const reload = await runCli(['--home', daemon.home, 'reload']);
  t.is(reload.code, 0, reload.stderr);
  t.is(await daemon.call('hello.greet', { name: 'you' }), 'hi, you!');
  t.deepEqual((await daemon.call('daemon.status')).skipped, [], 'the tsconfig.json is not reported as junk');

  // The types are real: Node's resolve, and a wrong use of the SDK is the one error.
  appendFileSync(
    file,
    "import { join } from 'node:path';\nexport const where = (ctx: import('plugd/sdk').PluginContext) => join(ctx.dir, 'x');\n",
  );
  appendFileSync(file, "export const wrong: number = (null as unknown as import('plugd/sdk').PluginContext).dir;\n");
  const refused = await tsc(daemon.pluginDir);
  t.is(refused.code, 2);
  t.is(refused.output.match(/error TS/g)?.length, 1, refused.output);
  t.regex(refused.output, /hello\.plugin\.ts.*Type 'string' is not assignable to type 'number'/);
});
