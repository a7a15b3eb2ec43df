// compilePlugin against the rules of a plain `node` run: each file of a
// plugin sees its own place, its packages resolve from its folder, CommonJS
// loads, nothing is written into the plugin's folder, and the build cache
// under the home trusts only what this user wrote and no one else could change.

import test, { type ExecutionContext } from 'ava';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compilePlugin, type CompiledPlugin } from '../../../core/host/compile.js';
import { buildFolder, buildHash } from '../../../core/host/build-cache.js';
import { built } from '../../../core/package-root.js';

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-compile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

/** Every file under `root` with its contents: what a read-only folder would keep. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    files[name] = statSync(path).isDirectory() ? '<dir>' : readFileSync(path, 'utf8');
  }
  return files;
}

let imports = 0;
const importBuild = async (build: CompiledPlugin) => (await import(`${build.url}?n=${++imports}`)).default;

test('each file sees its own place: import.meta.url/dirname/filename, __dirname/__filename; nothing lands in the plugin folder', async (t) => {
  const root = tempDir(t);
  const plugin = join(root, 'plugin');
  write(plugin, {
    'p.plugin.ts': `
      import { readFileSync } from 'node:fs';
      import { createRequire } from 'node:module';
      import { util } from './lib/util.ts';
      import helper from './lib/helper.cjs';
      const require = createRequire(import.meta.url);
      const __dirname = 'a binding of its own';
      export default {
        url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename,
        data: readFileSync(new URL('./data.txt', import.meta.url), 'utf8'),
        json: require('./data.json').from, util, helper, own: __dirname, text: 'import.meta.url',
      };`,
    'lib/util.ts': 'export const util = [import.meta.url, import.meta.dirname, import.meta.filename];',
    'lib/helper.cjs': '"use strict";\nmodule.exports = [__dirname, __filename];',
    'data.txt': 'beside the entry',
    'data.json': '{"from": "the plugin folder"}',
  });
  const before = snapshot(root);
  const build = await compilePlugin(join(plugin, 'p.plugin.ts'), join(tempDir(t), 'cache', 'builds'));
  const value = await importBuild(build);
  const entry = join(plugin, 'p.plugin.ts');
  t.deepEqual(value, {
    url: pathToFileURL(entry).href,
    dirname: plugin,
    filename: entry,
    data: 'beside the entry',
    json: 'the plugin folder',
    util: [pathToFileURL(join(plugin, 'lib/util.ts')).href, join(plugin, 'lib'), join(plugin, 'lib/util.ts')],
    helper: [join(plugin, 'lib'), join(plugin, 'lib/helper.cjs')],
    own: 'a binding of its own',
    text: 'import.meta.url',
  });
  t.deepEqual(build.inputs.sort(), [entry, join(plugin, 'lib/helper.cjs'), join(plugin, 'lib/util.ts')].sort());
  // Source maps name the same files, wherever the bundle lies.
  const map = JSON.parse(
    Buffer.from(
      /sourceMappingURL=data:application\/json;base64,(.+)/.exec(readFileSync(fileURLToPath(build.url), 'utf8'))![1],
      'base64',
    ).toString(),
  );
  t.deepEqual(
    map.sources.map((source: string) => fileURLToPath(new URL(source, map.sourceRoot))).sort(),
    build.inputs.sort(),
  );
  t.deepEqual(snapshot(root), before);
});

test('CommonJS entries load, plugd/sdk and packages included, and packages resolve from the plugin folder', async (t) => {
  const root = tempDir(t);
  const cache = join(tempDir(t), 'builds');
  write(root, {
    'node_modules/dep/package.json':
      '{"name": "dep", "main": "main.js", "module": "bundler-only.js", "exports": {"import": "./esm.mjs", "module": "./bundler-only.js", "default": "./main.js"}}',
    'node_modules/dep/main.js': 'module.exports = { kind: "cjs", dir: __dirname };',
    'node_modules/dep/esm.mjs': 'export const kind = "esm"; export const dir = import.meta.dirname;',
    'node_modules/dep/bundler-only.js': 'export const kind = "bundler-only";',
    'c.plugin.cjs': `
      const { definePlugin } = require('plugd/sdk');
      const dep = require('dep');
      module.exports = definePlugin({ name: 'c', setup() {}, dep, dirname: __dirname });`,
    'e.plugin.mjs': `import { definePlugin } from 'plugd/sdk'; import * as dep from 'dep';
      export default definePlugin({ name: 'e', setup() {}, dep: { ...dep } });`,
  });
  const cjs = await importBuild(await compilePlugin(join(root, 'c.plugin.cjs'), cache));
  t.is(typeof cjs.setup, 'function');
  t.deepEqual(cjs.dep, { kind: 'cjs', dir: join(root, 'node_modules/dep') });
  t.is(cjs.dirname, root);
  const esm = await importBuild(await compilePlugin(join(root, 'e.plugin.mjs'), cache));
  t.deepEqual(esm.dep, { kind: 'esm', dir: join(root, 'node_modules/dep') });
});

test('builds live in the cache folder, 0700/0600 whatever the umask, and an unwritable cache fails with the reason', async (t) => {
  const root = tempDir(t);
  write(root, { 'm.plugin.ts': 'export default { setup() {} };' });
  const cache = join(tempDir(t), 'cache', 'builds');
  const umask = process.umask(0);
  let build: CompiledPlugin;
  try {
    build = await compilePlugin(join(root, 'm.plugin.ts'), cache);
  } finally {
    process.umask(umask);
  }
  const file = fileURLToPath(build.url);
  t.is(dirname(file), buildFolder(cache, join(root, 'm.plugin.ts')));
  for (const dir of [dirname(cache), cache, dirname(file)]) t.is(statSync(dir).mode & 0o777, 0o700, dir);
  for (const name of readdirSync(dirname(file))) t.is(statSync(join(dirname(file), name)).mode & 0o777, 0o600, name);

  // A file where the cache folder should be fails as a full disk would, even for root.
  const blocked = join(tempDir(t), 'builds');
  writeFileSync(blocked, '');
  await t.throwsAsync(compilePlugin(join(root, 'm.plugin.ts'), blocked), {
    message: /^cannot write the build of .*m\.plugin\.ts to /,
  });
});

/** A build planted in the cache of `entry`, recorded as valid: what a forger would write. */
function forge(cache: string, entry: string): { dir: string; bundle: string; record: string } {
  const code = 'export default { forged: true };';
  const hash = buildHash(entry, code);
  const dir = buildFolder(cache, entry);
  const bundle = join(dir, `f.plugin.${hash}.mjs`);
  const record = join(dir, 'build.json');
  rmSync(bundle, { force: true });
  writeFileSync(bundle, code, { mode: 0o600 });
  const stats = statSync(entry);
  const inputs = { [entry]: `${stats.size}:${stats.mtimeMs}` };
  writeFileSync(record, JSON.stringify({ entry, hash, sdk: pathToFileURL(built.sdk).href, inputs }), { mode: 0o600 });
  return { dir, bundle, record };
}

const tampering: Array<[string, (planted: ReturnType<typeof forge>) => void]> = [
  [
    'a bundle whose recorded hash does not match it',
    ({ bundle }) => writeFileSync(bundle, 'export default { forged: "other" };'),
  ],
  ['a group-writable bundle', ({ bundle }) => chmodSync(bundle, 0o620)],
  ['a world-writable record', ({ record }) => chmodSync(record, 0o602)],
  ['a group-writable build folder', ({ dir }) => chmodSync(dir, 0o770)],
  [
    'a bundle that is a symlink',
    ({ bundle }) => {
      const target = `${bundle}.target`;
      writeFileSync(target, readFileSync(bundle), { mode: 0o600 });
      rmSync(bundle);
      symlinkSync(target, bundle);
    },
  ],
];
if (process.getuid?.() === 0)
  tampering.push(['a bundle another user owns', ({ bundle }) => chownSync(bundle, 65534, 65534)]);

test('a planted build runs only while it passes every check: otherwise the plugin is built again', async (t) => {
  const root = tempDir(t);
  const entry = join(root, 'f.plugin.ts');
  write(root, { 'f.plugin.ts': 'export default { forged: false };' });
  const cache = join(tempDir(t), 'builds');
  await compilePlugin(entry, cache);
  // The forgery itself is sound: untouched, it would be reused.
  forge(cache, entry);
  t.true((await importBuild(await compilePlugin(entry, cache))).forged, 'an intact record and bundle are reused');
  for (const [what, tamper] of tampering) {
    tamper(forge(cache, entry));
    t.false((await importBuild(await compilePlugin(entry, cache))).forged, what);
    t.false(lstatSync(buildFolder(cache, entry)).mode & 0o022 ? true : false, `${what}: the folder is private again`);
  }
});
