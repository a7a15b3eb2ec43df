// plugd.json re-read in place (README "Configuration", "Signals"): SIGHUP,
// daemon.reload and `plugd reload` apply what changed: each plugin whose
// settings changed is reloaded (blue/green) with them, the others keep their
// worker; what needs a restart is named; an invalid file changes nothing.

import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginStatus } from '../../core/contract/plugin-status.js';
import { runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

/** A plugin that answers with what it was configured with. */
const configured = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('config', {}, () => ctx.config);
  },
});
`;

const plugins = { 'a.plugin.js': configured, 'b.plugin.js': configured, 'c.plugin.js': configured };

function writeConfig(daemon: TestDaemon, config: object | string): void {
  writeFileSync(join(daemon.home, 'plugd.json'), typeof config === 'string' ? config : JSON.stringify(config));
}

/** Each plugin's worker (its thread id or pid) and reload count. */
async function workers(
  daemon: TestDaemon,
): Promise<Record<string, { worker?: number; reloads: number; isolation: string }>> {
  const list = await daemon.call<PluginStatus[]>('plugins.list');
  return Object.fromEntries(
    list.map((plugin) => [
      plugin.name,
      { worker: plugin.threadId ?? plugin.pid, reloads: plugin.reloads, isolation: plugin.isolation },
    ]),
  );
}

test("SIGHUP after editing one plugin's config reloads that plugin only, which serves the new config", async (t) => {
  const config = { plugins: { a: { config: { greeting: 'one' } }, b: { config: { greeting: 'bee' } } } };
  const daemon = await startDaemon(t, { plugins, config });
  t.deepEqual(await daemon.call('a.config'), { greeting: 'one' });
  const before = await workers(daemon);

  writeConfig(daemon, { plugins: { ...config.plugins, a: { config: { greeting: 'two' } } } });
  daemon.signal('SIGHUP');
  await until(
    () => daemon.call('a.config'),
    (answer) => answer.greeting === 'two',
  );

  const after = await workers(daemon);
  t.not(after.a.worker, before.a.worker, 'a runs in a new worker');
  t.is(after.a.reloads, 1);
  t.deepEqual(after.b, before.b, 'b keeps its worker');
  t.deepEqual(after.c, before.c, 'c keeps its worker');
  t.deepEqual(await daemon.call('b.config'), { greeting: 'bee' });
});

test('plugd reload applies plugd.json: a changed config, isolation or supervision reloads that plugin; the answer says so', async (t) => {
  const daemon = await startDaemon(t, { plugins, config: { plugins: { a: { config: { n: 1 } } } } });
  const before = await workers(daemon);

  writeConfig(daemon, {
    plugins: { a: { config: { n: 2 } }, b: { isolation: 'process' }, c: {} },
    limits: { pluginLogLinesPerSecond: 50 },
  });
  const reload = await runCli(['--home', daemon.home, 'reload']);
  t.is(reload.code, 0, reload.stderr);
  t.regex(reload.stdout, /plugd\.json applied: .*limits\.pluginLogLinesPerSecond/);
  t.regex(reload.stdout, /reloaded: a, b\n/);
  t.regex(reload.stdout, /unchanged: c\n/);

  t.deepEqual(await daemon.call('a.config'), { n: 2 });
  const after = await workers(daemon);
  t.is(after.b.isolation, 'process');
  t.not(after.b.worker, before.b.worker);
  t.deepEqual(after.c, before.c, 'c keeps its worker');

  // A per-plugin supervision override is a setting too.
  writeConfig(daemon, {
    plugins: { a: { config: { n: 2 } }, b: { isolation: 'process' }, c: { supervision: { callTimeoutMs: 5000 } } },
  });
  const again = await daemon.call('daemon.reload');
  t.deepEqual(again.reloaded, ['c']);
  t.deepEqual(again.unchanged, ['a', 'b']);
});

test('what needs a restart is named and keeps its old value; the rest of the file still applies', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'a.plugin.js': configured } });
  writeConfig(daemon, { metrics: '127.0.0.1:0', limits: { maxConnections: 10 }, plugins: { a: { config: { n: 3 } } } });
  const reload = await runCli(['--home', daemon.home, 'reload']);
  t.is(reload.code, 0, reload.stderr);
  t.regex(reload.stdout, /plugd\.json needs a restart for: limits\.maxConnections, metrics/);
  t.deepEqual(await daemon.call('a.config'), { n: 3 });
  t.is((await daemon.call('daemon.status')).metrics, undefined, 'no metrics listener was started');
  await until(
    async () => daemon.output(),
    (output) => output.includes('limits.maxConnections, metrics changed: needs a restart'),
  );
});

test('an invalid plugd.json changes nothing: plugd reload exits 1 with the reason, SIGHUP logs it', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'a.plugin.js': configured },
    config: { plugins: { a: { config: { n: 1 } } } },
  });
  const before = await workers(daemon);

  writeConfig(daemon, '{ "plugins": { "a": { "config": { "n": 2 } } ');
  const broken = await runCli(['--home', daemon.home, 'reload']);
  t.is(broken.code, 1);
  t.regex(broken.stderr, /plugd\.json not applied, nothing changed: .*plugd\.json: not valid JSON/);

  writeConfig(daemon, { plugins: { a: { config: { n: 2 }, confg: {} } } });
  const unknown = await runCli(['--home', daemon.home, 'reload']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /unknown member "confg"/);

  writeConfig(daemon, { watch: 'yes', plugins: { a: { config: { n: 2 } } } });
  daemon.signal('SIGHUP');
  await until(
    async () => daemon.output(),
    (output) => /reload on SIGHUP failed: plugd\.json not applied, nothing changed: .*watch/.test(output),
  );

  t.deepEqual(await daemon.call('a.config'), { n: 1 });
  t.deepEqual(await workers(daemon), before);
});

test("a new pluginDir is rescanned: its plugins load, the old folder's leave", async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'a.plugin.js': configured, 'b.plugin.js': configured } });
  const other = join(daemon.home, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'b.plugin.js'), configured);
  writeFileSync(join(other, 'd.plugin.js'), configured);
  writeConfig(daemon, { pluginDir: 'other' });
  const summary = await daemon.call('daemon.reload');
  t.deepEqual(summary.config.applied, ['pluginDir']);
  t.deepEqual(summary.loaded, ['d']);
  t.deepEqual(summary.reloaded, ['b']);
  t.deepEqual(summary.unloaded, ['a']);
  const list = await daemon.call<PluginStatus[]>('plugins.list');
  t.deepEqual(
    list.map((plugin) => [plugin.name, plugin.path]),
    [
      ['b', join(other, 'b.plugin.js')],
      ['d', join(other, 'd.plugin.js')],
    ],
  );
  t.is((await daemon.call('daemon.status')).pluginDir, other);
});

test('a plugin loaded from a loadPaths folder takes its new settings at the reload too', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'a.plugin.js': configured }, config: { loadPaths: ['extra'] } });
  mkdirSync(join(daemon.home, 'extra'));
  const path = join(daemon.home, 'extra', 'e.plugin.js');
  writeFileSync(path, configured);
  await daemon.call('plugins.load', { path });
  t.deepEqual(await daemon.call('e.config'), {});

  writeConfig(daemon, { loadPaths: ['extra'], plugins: { e: { config: { n: 1 } } } });
  const summary = await daemon.call('daemon.reload');
  t.deepEqual(summary.reloaded, ['e']);
  t.deepEqual(summary.unchanged, ['a']);
  t.deepEqual(await daemon.call('e.config'), { n: 1 });
  t.deepEqual((await daemon.call('daemon.reload')).reloaded, [], 'a second reload finds nothing changed');
});

test("a process plugin's new env reaches a new process at the reload; its config alone changing too", async (t) => {
  const envPlugin = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('env', {}, () => ({ mode: process.env.MODE ?? null, pid: process.pid, config: ctx.config }));
  },
});
`;
  const settings = (mode: string, n: number) => ({
    plugins: { p: { isolation: 'process', env: { MODE: mode }, config: { n } } },
  });
  const daemon = await startDaemon(t, { plugins: { 'p.plugin.js': envPlugin }, config: settings('slow', 1) });
  const first = await daemon.call('p.env');
  t.like(first, { mode: 'slow', config: { n: 1 } });

  writeConfig(daemon, settings('fast', 1));
  t.deepEqual((await daemon.call('daemon.reload')).reloaded, ['p']);
  const second = await daemon.call('p.env');
  t.like(second, { mode: 'fast', config: { n: 1 } });
  t.not(second.pid, first.pid);

  writeConfig(daemon, settings('fast', 2));
  t.deepEqual((await daemon.call('daemon.reload')).reloaded, ['p']);
  const third = await daemon.call('p.env');
  t.like(third, { mode: 'fast', config: { n: 2 } });
  t.not(third.pid, second.pid);
});

test('watch turned on in plugd.json arms the watcher at the reload: a plugin dropped in then loads by itself', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'a.plugin.js': configured } });
  writeConfig(daemon, { watch: true });
  const summary = await daemon.call('daemon.reload');
  t.deepEqual(summary.config.applied, ['watch']);
  t.true((await daemon.call('daemon.status')).watch);
  writeFileSync(join(daemon.pluginDir, 'late.plugin.js'), configured);
  await until(
    () => daemon.call<PluginStatus[]>('plugins.list'),
    (list) => list.some((plugin) => plugin.name === 'late' && plugin.state === 'ready'),
  );
  t.deepEqual(await daemon.call('late.config'), {});
});
