// A rescan (`plugd reload`, SIGHUP) follows what a user does to a plugin's
// folder: a renamed folder is the same plugin at a new path, and a broken
// package.json is a failed new version (the old one serves on, exit 1), as
// a broken source file is.

import test from 'ava';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const MANIFEST = JSON.stringify({ name: 'fp', version: '1.0.0', type: 'module', plugd: { entry: 'index.js' } });
const WHERE = "export default { setup(ctx) { ctx.rpc.method('where', {}, () => import.meta.dirname); } };\n";

function fpDaemon(t: Parameters<typeof startDaemon>[0]): Promise<TestDaemon> {
  return startDaemon(t, { plugins: { 'fp/package.json': MANIFEST, 'fp/index.js': WHERE } });
}

const reload = (daemon: TestDaemon, ...args: string[]) => runCli(['--home', daemon.home, 'reload', ...args]);

test('plugd reload: a renamed plugin folder is reloaded from its new path', async (t) => {
  const daemon = await fpDaemon(t);
  t.is(await daemon.call('fp.where'), join(daemon.pluginDir, 'fp'));
  renameSync(join(daemon.pluginDir, 'fp'), join(daemon.pluginDir, 'fp-renamed'));
  const rescan = await reload(daemon);
  t.is(rescan.code, 0, rescan.stderr);
  t.is(rescan.stdout, 'reloaded: fp\n');
  t.is(await daemon.call('fp.where'), join(daemon.pluginDir, 'fp-renamed'));
  const one = await reload(daemon, 'fp', '--force');
  t.is(one.code, 0, one.stderr);
  t.is((await daemon.call('plugins.status', { name: 'fp' })).path, join(daemon.pluginDir, 'fp-renamed'));
});

test('SIGHUP: a renamed plugin folder is reloaded from its new path', async (t) => {
  const daemon = await fpDaemon(t);
  renameSync(join(daemon.pluginDir, 'fp'), join(daemon.pluginDir, 'fp2'));
  daemon.signal('SIGHUP');
  await until(
    () => daemon.call('fp.where').catch((error: Error) => error.message),
    (where) => where === join(daemon.pluginDir, 'fp2'),
  );
  t.deepEqual((await daemon.call('daemon.status')).skipped, []);
});

test('a broken package.json in a serving plugin fails the rescan (exit 1) and the old version serves on', async (t) => {
  const daemon = await fpDaemon(t);
  writeFileSync(join(daemon.pluginDir, 'fp', 'package.json'), '{ broken');
  const rescan = await reload(daemon);
  t.is(rescan.code, 1);
  t.regex(rescan.stderr, /^failed: fp: plugin fp failed to load: broken package\.json: /);
  t.is(rescan.stderr.split('\n').length, 2, 'one line');
  t.is(rescan.stdout, '');
  t.is(await daemon.call('fp.where'), join(daemon.pluginDir, 'fp'));
  const status = await daemon.call('plugins.status', { name: 'fp' });
  t.is(status.state, 'ready');
  t.regex(status.lastError, /broken package\.json/);

  daemon.signal('SIGHUP');
  await until(
    () => Promise.resolve(daemon.output()),
    (output) => output.includes('reloaded on SIGHUP'),
  );
  t.is(await daemon.call('fp.where'), join(daemon.pluginDir, 'fp'));
});

test('a rescan in which a plugin fails to compile exits 1 and names it', async (t) => {
  const daemon = await fpDaemon(t);
  writeFileSync(join(daemon.pluginDir, 'fp', 'index.js'), 'export default { setup( };\n');
  const rescan = await reload(daemon);
  t.is(rescan.code, 1);
  t.regex(rescan.stderr, /^failed: fp: /m);
  t.is(await daemon.call('fp.where'), join(daemon.pluginDir, 'fp'));
});

test('a renamed folder of a plugin in its own process is served from the new folder', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'fp/package.json': MANIFEST, 'fp/index.js': WHERE },
    config: { plugins: { fp: { isolation: 'process' } } },
  });
  t.is((await daemon.call('plugins.status', { name: 'fp' })).isolation, 'process');
  renameSync(join(daemon.pluginDir, 'fp'), join(daemon.pluginDir, 'fp-moved'));
  const rescan = await reload(daemon);
  t.is(rescan.stdout, 'reloaded: fp\n', rescan.stderr);
  t.is(await daemon.call('fp.where'), join(daemon.pluginDir, 'fp-moved'));
  t.is((await daemon.call('plugins.status', { name: 'fp' })).state, 'ready');
});
