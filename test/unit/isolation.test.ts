// Where a plugin runs: the operator's word for the plugin, then its manifest,
// then the daemon's default; "auto" looks for native code in its folder.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfigFile, type ConfigFile } from '../../core/config.js';
import { inspectCandidate, type PluginSource } from '../../core/host/discovery.js';
import { chooseIsolation, holdsNativeCode } from '../../core/host/isolation.js';
import { processIds } from '../../core/host/process-user.js';

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

test('precedence: plugins.<name>.isolation, then the manifest, then the top level; auto means thread without native code', (t) => {
  const dir = folder(t, { 'index.js': '' });
  const source: PluginSource = { name: 'p', path: dir, entry: join(dir, 'index.js') };
  t.is(chooseIsolation(config({}), source), 'thread');
  t.is(chooseIsolation(config({ isolation: 'process' }), source), 'process');
  t.is(chooseIsolation(config({ isolation: 'process' }), { ...source, isolation: 'thread' }), 'thread');
  t.is(chooseIsolation(config({ plugins: { p: { isolation: 'process' } } }), { ...source, isolation: 'thread' }), 'process');
  t.is(chooseIsolation(config({ isolation: 'thread', plugins: { p: { isolation: 'auto' } } }), source), 'thread');
});

test('auto: a .node file or a binding.gyp anywhere under the folder, node_modules included, means a process', (t) => {
  const plain = folder(t, { 'index.js': '', 'lib/a.js': '' });
  const compiled = folder(t, { 'index.js': '', 'node_modules/dep/build/Release/dep.node': '' });
  const source = folder(t, { 'index.js': '', 'node_modules/@scope/dep/binding.gyp': '{}' });
  t.false(holdsNativeCode(plain));
  t.true(holdsNativeCode(compiled));
  t.true(holdsNativeCode(source));
  t.false(holdsNativeCode(join(plain, 'index.js')), 'a single-file plugin has no folder of its own');
  t.is(chooseIsolation(config({}), { name: 'p', path: compiled, entry: join(compiled, 'index.js') }), 'process');
});

test('a manifest asks for an isolation in "plugd"; a wrong one is skipped with the reason', (t) => {
  const asks = folder(t, { 'index.js': '', 'package.json': JSON.stringify({ name: 'p', plugd: { isolation: 'process' } }) });
  t.like(inspectCandidate(asks), { name: 'p', isolation: 'process' });
  const wrong = folder(t, { 'index.js': '', 'package.json': JSON.stringify({ name: 'p', plugd: { isolation: 'vm' } }) });
  t.like(inspectCandidate(wrong), { reason: 'package.json "plugd.isolation" is not "thread", "process" or "auto"' });
});

test('the config takes isolation, user, group and env, and refuses what it does not know', (t) => {
  const file: ConfigFile = { isolation: 'auto', plugins: { p: { isolation: 'process', user: 'nobody', group: 65534, env: { A: 'b' } } } };
  t.like(config(file).plugins.p, { user: 'nobody', group: 65534, env: { A: 'b' } });
  t.is(config({}).isolation, 'auto');
  t.throws(() => parseConfigFile(JSON.stringify({ isolation: 'vm' }), 'plugd.json'));
  t.throws(() => parseConfigFile(JSON.stringify({ plugins: { p: { usr: 'nobody' } } }), 'plugd.json'), { message: /usr/ });
});

test('user and group: numbers pass, names resolve, an unknown name and a daemon not running as root are errors that say so', (t) => {
  const getuid = process.getuid;
  t.teardown(() => (process.getuid = getuid));
  process.getuid = () => 1000;
  t.throws(() => processIds('nobody', undefined), { message: 'cannot run as user nobody: plugd is not running as root' });
  t.deepEqual(processIds(undefined, undefined), {});
  process.getuid = () => 0;
  t.deepEqual(processIds(4242, 4343), { uid: 4242, gid: 4343 });
  t.throws(() => processIds('no-such-user-here', undefined), { message: 'no such user: no-such-user-here' });
  t.is(processIds('nobody', undefined).uid, Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
});
