// How a plugin's files become what its worker runs, seen from a client of the
// real daemon: CommonJS plugins serve, a plugin reaches its own files, its
// folder is never written (read-only works), builds are each daemon's own,
// and the watcher follows every file a build read.

import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpcClient } from '../../core/cli/client.js';
import { CLI, killOnExit, makeHome, startDaemon, writePlugin } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const cjs = (answer: string) => `const { definePlugin } = require('plugd/sdk');
const { join } = require('node:path');
module.exports = definePlugin({
  setup(ctx) {
    ctx.rpc.method('hi', {}, () => ${JSON.stringify(answer)});
    ctx.rpc.method('where', {}, () => [join(__dirname, 'x'), __filename]);
  },
});
`;

test('CommonJS plugins serve: .plugin.cjs, .plugin.js outside "type": "module", and a CommonJS package', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'a.plugin.cjs': cjs('a'),
      'b.plugin.js': cjs('b'),
      'c/package.json': JSON.stringify({ name: 'c', main: 'index.js', plugd: {} }),
      'c/index.js': cjs('c'),
    },
  });
  t.is(await daemon.call('a.hi'), 'a');
  t.is(await daemon.call('b.hi'), 'b');
  t.is(await daemon.call('c.hi'), 'c');
  t.deepEqual(await daemon.call('c.where'), [
    join(daemon.pluginDir, 'c', 'x'),
    join(daemon.pluginDir, 'c', 'index.js'),
  ]);
});

const READER = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { definePlugin } from 'plugd/sdk';
const require = createRequire(import.meta.url);
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('read', {}, () => [readFileSync(new URL('./data.txt', import.meta.url), 'utf8'), require('./data.json').n, import.meta.dirname]);
  },
});
`;

/** Every file under `root` with its contents. */
function contentsOf(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    files[name] = statSync(join(root, name)).isDirectory() ? '<dir>' : readFileSync(join(root, name), 'utf8');
  }
  return files;
}

test('a plugin reaches its own files through import.meta.url, and its folder stays as it was', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'r/package.json': JSON.stringify({ name: 'r', type: 'module', plugd: { entry: 'index.ts' } }),
      'r/index.ts': READER,
      'r/data.txt': 'mine',
      'r/data.json': '{"n": 7}',
    },
  });
  const folder = join(daemon.pluginDir, 'r');
  const before = contentsOf(folder);
  t.deepEqual(await daemon.call('r.read'), ['mine', 7, folder]);
  await daemon.call('plugins.reload', { name: 'r', force: true });
  t.deepEqual(contentsOf(folder), before, 'the daemon wrote nothing into the plugin folder');
});

/** Runs a foreground daemon (killed at the test's end) until it says it runs. */
async function runInForeground(t: ExecutionContext, command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  killOnExit(() => child.kill('SIGKILL'));
  t.teardown(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('running in the foreground')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`${command} exited:\n${output}`)));
  });
}

const canMountReadOnly =
  spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp /tmp']).status === 0;

(canMountReadOnly ? test : test.skip)(
  'a plugin folder mounted read-only loads (skipped without unshare and mount rights)',
  async (t) => {
    const { home, pluginDir } = makeHome(t, {
      plugins: {
        'r/package.json': JSON.stringify({ name: 'r', type: 'module', plugd: { entry: 'index.ts' } }),
        'r/index.ts': READER,
        'r/data.txt': 'mine',
        'r/data.json': '{"n": 7}',
      },
    });
    // The daemon runs in a mount namespace of its own, where the plugin folder is read-only.
    const script =
      'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && exec "$2" "$3" start --foreground --home "$4"';
    await runInForeground(t, 'unshare', ['-m', 'sh', '-c', script, 'sh', pluginDir, process.execPath, CLI, home]);
    const client = await RpcClient.connect(join(home, 'plugd.sock'));
    t.teardown(() => client.close());
    t.deepEqual(await client.call('r.read'), ['mine', 7, join(pluginDir, 'r')]);
  },
);

const versioned = (version: string) => `export default {
  setup(ctx) {
    ctx.rpc.method('version', {}, () => ${JSON.stringify(version)});
    ctx.rpc.method('exit', {}, () => { process.exit(1); });
  },
};
`;

test('a reload that cannot write its build fails with the reason, and the old version serves on', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned('one') } });
  t.is(await daemon.call('v.version'), 'one');
  // A file where the build folder was: no write there succeeds, as on a full disk, even for root.
  const builds = join(daemon.home, 'cache', 'builds');
  rmSync(builds, { recursive: true });
  writeFileSync(builds, '');
  writePlugin(daemon.pluginDir, 'v.plugin.js', versioned('two'));
  const error: any = await t.throwsAsync(daemon.call('plugins.reload', { name: 'v' }));
  t.regex(error.message, /plugin v failed to load: cannot write the build of .*v\.plugin\.js to .*cache\/builds\//);
  t.is(await daemon.call('v.version'), 'one');
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
});

const fastRestart = {
  supervision: { restart: { initialDelayMs: 20, maxDelayMs: 200, maxCrashes: 5, windowMs: 60_000 } },
};

test('two daemons serving one plugin folder keep their own builds: a rebuild in one leaves the other restarting fine', async (t) => {
  const first = await startDaemon(t, { plugins: { 'v.plugin.js': versioned('one') }, config: fastRestart });
  const second = await startDaemon(t, { args: ['--plugins', first.pluginDir], config: fastRestart });
  t.is(await second.call('v.version'), 'one');
  writePlugin(first.pluginDir, 'v.plugin.js', versioned('two'));
  // The second daemon moves on (as `plugd dev` does on a save) and prunes its old build.
  await second.call('plugins.reload', { name: 'v' });
  t.is(await second.call('v.version'), 'two');
  // The first restarts its version after a crash: its build is still there.
  await t.throwsAsync(first.call('v.exit'));
  await until(
    () => first.call('plugins.status', { name: 'v' }),
    (status: any) => status.state === 'ready' || status.state === 'failed',
  );
  t.is(await first.call('v.version'), 'one');
  t.is((await first.call('plugins.status', { name: 'v' })).restarts, 1);
});

const importer = `import { value } from './lib/util.ts';
import { shared } from '../shared/outside.ts';
export default { setup(ctx) { ctx.rpc.method('value', {}, () => value + ' ' + shared); } };
`;

test('--watch follows every file a build read, in the plugin folder or outside it, and a helper folder is no skipped plugin', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'd.plugin.ts': importer,
      'lib/util.ts': "export const value = 'one';",
      '../shared/outside.ts': "export const shared = 'a';",
      'junk/readme.txt': 'not a plugin',
    },
    args: ['--watch'],
  });
  t.is(await daemon.call('d.value'), 'one a');
  writePlugin(daemon.pluginDir, 'lib/util.ts', "export const value = 'two';");
  await until(
    () => daemon.call('d.value'),
    (value) => value === 'two a',
  );
  writePlugin(daemon.pluginDir, '../shared/outside.ts', "export const shared = 'b';");
  await until(
    () => daemon.call('d.value'),
    (value) => value === 'two b',
  );
  const rescan = await daemon.call('plugins.reload', {});
  t.deepEqual(
    rescan.skipped.map((skip: { path: string }) => skip.path),
    [join(daemon.pluginDir, 'junk')],
  );
  t.notRegex(daemon.output(), /skipped \S*\/lib:/);
  t.regex(daemon.output(), /skipped \S*\/junk: folder without package.json/);
});

test('plugd dev reloads a single-file plugin when a file it imports changes', async (t) => {
  const { home: folder } = makeHome(t, {});
  writePlugin(
    folder,
    'd.plugin.ts',
    "import { value } from './lib/util.ts';\nexport default { setup(ctx) { ctx.rpc.method('value', {}, () => value); } };\n",
  );
  writePlugin(folder, 'lib/util.ts', "export const value = 'one';");
  await runInForeground(t, process.execPath, [CLI, 'dev', join(folder, 'd.plugin.ts')]);
  const client = await RpcClient.connect(join(folder, '.plugd-dev', 'plugd.sock'));
  t.teardown(() => client.close());
  t.is(await client.call('d.value'), 'one');
  writePlugin(folder, 'lib/util.ts', "export const value = 'two';");
  await until(
    () => client.call('d.value'),
    (value) => value === 'two',
  );
});
