// Where a plugin runs: the operator's word for the plugin, else the daemon's
// default, sets the least it gets; its manifest may only ask for more; "auto"
// looks for native code in its folder.

import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigFile } from '../../../core/config/config.js';
import type { PluginSource } from '../../../core/host/discovery.js';
import { chooseIsolation, holdsNativeCode } from '../../../core/host/isolation.js';

function folder(t: any, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-isolation-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, contents] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), contents);
  }
  return dir;
}

const config = (file: ConfigFile) => loadConfig({ home: tmpdir(), file });

const where = (file: ConfigFile, source: PluginSource) => chooseIsolation(config(file), source).isolation;

test('precedence: the config (plugins.<name>, then the top level) gives the least; the manifest may ask for more, never less', (t) => {
  const dir = folder(t, { 'index.js': '' });
  const source: PluginSource = { name: 'p', path: dir, entry: join(dir, 'index.js') };
  t.is(where({}, source), 'thread');
  t.is(where({ isolation: 'process' }, source), 'process');
  t.is(where({ isolation: 'process' }, { ...source, isolation: 'thread' }), 'process');
  t.is(where({ plugins: { p: { isolation: 'process' } } }, { ...source, isolation: 'thread' }), 'process');
  t.is(where({ isolation: 'thread', plugins: { p: { isolation: 'auto' } } }, source), 'thread');
  t.deepEqual(chooseIsolation(config({ isolation: 'thread' }), { ...source, isolation: 'process' }), {
    isolation: 'process',
    raisedByManifest: 'process',
  });
  t.is(
    chooseIsolation(config({ isolation: 'process' }), { ...source, isolation: 'process' }).raisedByManifest,
    undefined,
  );
});

test('user, group or env mean a process; a config that also says "thread" for the plugin is refused with the reason', (t) => {
  const dir = folder(t, { 'index.js': '' });
  const source: PluginSource = { name: 'p', path: dir, entry: join(dir, 'index.js'), isolation: 'thread' };
  t.is(where({ isolation: 'thread', plugins: { p: { env: { A: 'b' } } } }, source), 'process');
  t.is(where({ plugins: { p: { group: 65534 } } }, source), 'process');
  t.throws(() => where({ plugins: { p: { isolation: 'thread', user: 'nobody', env: {} } } }, source), {
    message: 'plugins.p says isolation "thread" but sets user, env, which only a process has',
  });
});

test('auto: a .node file or a binding.gyp anywhere under the folder, node_modules included, means a process', (t) => {
  const plain = folder(t, { 'index.js': '', 'lib/a.js': '' });
  const compiled = folder(t, { 'index.js': '', 'node_modules/dep/build/Release/dep.node': '' });
  const source = folder(t, { 'index.js': '', 'node_modules/@scope/dep/binding.gyp': '{}' });
  t.false(holdsNativeCode(plain));
  t.true(holdsNativeCode(compiled));
  t.true(holdsNativeCode(source));
  t.false(holdsNativeCode(join(plain, 'index.js')), 'a single-file plugin has no folder of its own');
  t.is(where({}, { name: 'p', path: compiled, entry: join(compiled, 'index.js') }), 'process');
});
