// The plugin host without a daemon: a real registry and real thread workers
// (from dist/, so `npm run build` first), no socket. Loading a folder with
// junk in it, loading and unloading by name, the rescan's verdicts, and stop.
// The host builds its workers itself (it has no seam for
// test/helpers/fake-backend.ts), so the workers here are real threads; the
// tests run one at a time, so as not to boot a dozen at once on a busy machine.

import test, { type ExecutionContext } from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigFile } from '../../../core/config/config.js';
import { createHooks } from '../../../core/hooks.js';
import { PluginHost } from '../../../core/host/plugin-host.js';
import { openLog } from '../../../core/observe/log.js';
import { MethodRegistry } from '../../../core/rpc/registry.js';

/** A plugin whose one method `hi` answers `answer`. */
const plugin = (answer: string) =>
  `export default { setup(ctx) { ctx.rpc.method('hi', {}, () => ${JSON.stringify(answer)}); } };\n`;

interface Rig {
  host: PluginHost;
  registry: MethodRegistry;
  /** The plugin folder. */
  dir: string;
  home: string;
  /** Writes `files` (relative paths) under `root`, the plugin folder by default. */
  write: (files: Record<string, string>, root?: string) => void;
  /** Calls `method` as the dispatcher would; answers its value. */
  call: (method: string) => Promise<unknown>;
  /** The warnings the host logged. */
  warnings: () => string[];
}

function rig(t: ExecutionContext, file: ConfigFile = {}): Rig {
  const home = mkdtempSync(join(tmpdir(), 'plugd-host-'));
  const dir = join(home, 'plugins');
  mkdirSync(dir);
  const lines: string[] = [];
  const log = openLog({ path: join(home, 'plugd.log'), level: 'warn', stdout: false, tap: (line) => lines.push(line) });
  // A load deadline for a busy machine: the deadline is not what these tests are about.
  const config = loadConfig({ home, file: { spareWorker: false, supervision: { loadTimeoutMs: 60_000 }, ...file } });
  const registry = new MethodRegistry();
  const host = new PluginHost({ config, registry, hooks: createHooks(), log });
  t.teardown(async () => {
    await host.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const write = (files: Record<string, string>, root = dir) => {
    for (const [name, contents] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), contents);
    }
  };
  const call = async (method: string) => {
    const entry = registry.get(method);
    if (!entry) throw new Error(`no method ${method}`);
    return JSON.parse(JSON.stringify(await entry.handler(undefined, { method, params: undefined })));
  };
  const warnings = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { host, registry, dir, home, write, call, warnings };
}

const pkg = (name: string, plugd: object = {}) => JSON.stringify({ name, plugd });

test.serial(
  'start loads the good plugins of a folder with junk in it, and says why each other entry was skipped',
  async (t) => {
    const { host, dir, write, call, warnings } = rig(t);
    write({
      'file.plugin.mjs': plugin('from a file'),
      'folder/package.json': pkg('@scope/folder'),
      'folder/index.js': plugin('from a folder'),
      'broken.plugin.mjs': 'export default { setup() { throw new Error("setup threw"); } };\n',
      'README.txt': 'not a plugin',
      'empty/.keep': '',
      'no-field/package.json': JSON.stringify({ name: 'no-field' }),
      'bad-json/package.json': '{ nope',
      'no-entry/package.json': pkg('no-entry', { entry: 'dist/main.js' }),
      'daemon.plugin.mjs': plugin('reserved'),
      'bad name.plugin.mjs': plugin('bad name'),
      'twin/package.json': pkg('file'),
      'twin/index.js': plugin('a second "file"'),
      '.hidden.plugin.mjs': plugin('hidden'),
      'tsconfig.json': '{}',
    });
    const summary = await host.start();
    t.deepEqual(summary.loaded, ['file', 'folder']);
    t.deepEqual(
      summary.failed.map((failure) => failure.name),
      ['broken'],
    );
    t.regex(summary.failed[0].error, /setup threw/);
    const reasons = Object.fromEntries(summary.skipped.map((skip) => [skip.path.slice(dir.length + 1), skip.reason]));
    t.deepEqual(Object.keys(reasons).sort(), [
      'README.txt',
      'bad name.plugin.mjs',
      'bad-json',
      'daemon.plugin.mjs',
      'empty',
      'no-entry',
      'no-field',
      'twin',
    ]);
    t.regex(reasons['README.txt'], /^not a plugin/);
    t.is(reasons.empty, 'folder without package.json');
    t.is(reasons['no-field'], 'package.json has no "plugd" field');
    t.regex(reasons['bad-json'], /^broken package\.json/);
    t.regex(reasons['no-entry'], /entry dist\/main\.js does not exist/);
    t.regex(reasons['daemon.plugin.mjs'], /reserved/);
    t.regex(reasons['bad name.plugin.mjs'], /not a valid plugin name/);
    t.regex(reasons.twin, /plugin name "file" is already taken by .*file\.plugin\.mjs/);
    t.deepEqual(host.skipped(), summary.skipped);
    t.true(warnings().some((line) => line.startsWith(`skipped ${join(dir, 'README.txt')}: not a plugin`)));
    t.deepEqual(
      host.list().map((status) => [status.name, status.state]),
      [
        ['broken', 'failed'],
        ['file', 'ready'],
        ['folder', 'ready'],
      ],
      'sorted by name; a plugin that failed to load is listed, failed',
    );
    t.is(await call('file.hi'), 'from a file');
    t.is(await call('folder.hi'), 'from a folder');
  },
);

test.serial('a folder that does not exist is an empty one', async (t) => {
  const { host, dir } = rig(t);
  rmSync(dir, { recursive: true });
  t.deepEqual(await host.start(), { loaded: [], reloaded: [], unchanged: [], unloaded: [], failed: [], skipped: [] });
  t.deepEqual(host.list(), []);
});

test.serial(
  'loadPath loads a plugin from anywhere; a name taken or a path that is no plugin is refused with the reason',
  async (t) => {
    const { host, home, write, call } = rig(t);
    await host.start();
    write({ 'elsewhere/extra.plugin.mjs': plugin('extra'), 'elsewhere/notes.txt': '' }, home);
    const status = await host.loadPath(join(home, 'elsewhere/extra.plugin.mjs'));
    t.like(status, { name: 'extra', state: 'ready', methods: ['extra.hi'] });
    t.is(await call('extra.hi'), 'extra');
    await t.throwsAsync(host.loadPath(join(home, 'elsewhere/extra.plugin.mjs')), {
      message: 'a plugin named extra is already loaded',
    });
    await t.throwsAsync(host.loadPath(join(home, 'elsewhere/notes.txt')), { message: /notes\.txt: not a plugin/ });
    await t.throwsAsync(host.loadPath(join(home, 'absent')), { message: /absent: cannot read/ });
  },
);

test.serial('unload removes the plugin and its methods; an unknown name is refused', async (t) => {
  const { host, registry, write } = rig(t);
  write({ 'a.plugin.mjs': plugin('a'), 'b.plugin.mjs': plugin('b') });
  await host.start();
  await host.unload('a');
  t.false(registry.has('a.hi'));
  t.true(registry.has('b.hi'));
  t.deepEqual(
    host.list().map((status) => status.name),
    ['b'],
  );
  t.throws(() => host.status('a'), { message: 'no plugin named a' });
  await t.throwsAsync(host.unload('a'), { message: 'no plugin named a' });
});

test.serial(
  'rescan: new entries load, edited ones reload, untouched ones stay, removed ones unload, a broken one keeps its last version',
  async (t) => {
    const { host, dir, write, call } = rig(t);
    write({
      'same.plugin.mjs': plugin('same'),
      'edited.plugin.mjs': plugin('v1'),
      'gone.plugin.mjs': plugin('gone'),
      'kept/package.json': pkg('kept'),
      'kept/index.js': plugin('kept v1'),
    });
    await host.start();
    write({
      'edited.plugin.mjs': plugin('v2'),
      'new.plugin.mjs': plugin('new'),
      'kept/package.json': '{ broken',
      'junk.txt': '',
    });
    rmSync(join(dir, 'gone.plugin.mjs'));
    const summary = await host.rescan(false);
    t.like(summary, { loaded: ['new'], reloaded: ['edited'], unchanged: ['same'], unloaded: ['gone'] });
    t.deepEqual(
      summary.failed.map((failure) => failure.name),
      ['kept'],
    );
    t.regex(summary.failed[0].error, /broken package\.json/);
    t.deepEqual(
      summary.skipped.map((skip) => skip.path),
      [join(dir, 'junk.txt')],
      'the broken folder is reported as a failed version, not as junk',
    );
    t.is(await call('edited.hi'), 'v2');
    t.is(await call('kept.hi'), 'kept v1', 'the last good version serves on');
    t.deepEqual(
      host.list().map((status) => status.name),
      ['edited', 'kept', 'new', 'same'],
    );
    const forced = await host.rescan(true);
    t.deepEqual(forced.reloaded, ['edited', 'new', 'same'], 'force reloads even the unchanged');
  },
);

test.serial('stop unloads every plugin and leaves no method behind', async (t) => {
  const { host, registry, write } = rig(t);
  write({ 'a.plugin.mjs': plugin('a'), 'b.plugin.mjs': plugin('b') });
  await host.start();
  await host.stop();
  t.deepEqual(host.list(), []);
  t.false(registry.has('a.hi'));
  t.false(registry.has('b.hi'));
});
