// compilePlugin against the rules of a plain `node` run: each file of a
// plugin sees its own place, its packages resolve from its folder, CommonJS
// loads, nothing is written into the plugin's folder. Where its builds are
// kept, and which it trusts, is build-cache.test.ts.

import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compilePlugin } from '../../../core/host/compile.js';
import { importBuild, tempDir, write } from '../../fixtures/host/plugin-builds.js';

/** Every file under `root` with its contents: what a read-only folder would keep. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    files[name] = statSync(path).isDirectory() ? '<dir>' : readFileSync(path, 'utf8');
  }
  return files;
}

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
