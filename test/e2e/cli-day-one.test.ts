// What a PM2 or supervisord user types on day one: restart, load, unload,
// --json on the tables, and errors that name their subject in one line.

import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, startDaemon } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';

const PING = "export default { setup(ctx) { ctx.rpc.method('ping', {}, () => 'pong'); } };\n";

test('plugd restart: a new daemon serving the same folder; one that was not running is started', async (t) => {
  const { home, pluginDir } = makeHome(t, { plugins: { 'p.plugin.js': PING } });
  cleanUpDaemonOf(t, home);
  const cold = await runCli(['--home', home, 'restart']);
  t.is(cold.code, 0, cold.stderr);
  t.is(cold.stderr, 'plugd was not running; starting it\n');
  const first = Number(/pid (\d+)/.exec(cold.stdout)![1]);
  const warm = await runCli(['--home', home, 'restart']);
  t.is(warm.code, 0, warm.stderr);
  t.regex(warm.stdout, new RegExp(`^plugd stopped \\(pid ${first}\\)\\nplugd started \\(pid \\d+\\)\\n$`));
  const status = JSON.parse((await runCli(['--home', home, 'status', '--json'])).stdout);
  t.not(status.pid, first);
  t.is(status.pluginDir, pluginDir);
  t.is((await runCli(['--home', home, 'call', 'p.ping'])).stdout, '"pong"\n');
  t.is((await runCli(['--home', home, 'stop'])).code, 0);
});

test('plugd load PATH and plugd unload NAME, with exit 1 when either fails', async (t) => {
  const extra = makeHome(t).pluginDir;
  writeFileSync(join(extra, 'x.plugin.js'), PING);
  mkdirSync(join(extra, 'junk'));
  const daemon = await startDaemon(t, { config: { loadPaths: [extra] } });
  const loaded = await runCli(['--home', daemon.home, 'load', join(extra, 'x.plugin.js')]);
  t.is(loaded.code, 0, loaded.stderr);
  t.is(loaded.stdout, 'loaded: x (x.ping)\n');
  t.is(await daemon.call('x.ping'), 'pong');
  const unloaded = await runCli(['--home', daemon.home, 'unload', 'x']);
  t.is(unloaded.code, 0, unloaded.stderr);
  t.is(unloaded.stdout, 'unloaded: x\n');
  await t.throwsAsync(daemon.call('x.ping'), { message: 'Method not found: x.ping' });
  const again = await runCli(['--home', daemon.home, 'unload', 'x']);
  t.is(again.code, 1);
  t.is(again.stderr, 'error -32602: no plugin named x\n');
  const junk = await runCli(['--home', daemon.home, 'load', join(extra, 'junk')]);
  t.is(junk.code, 1);
  t.is(junk.stderr.split('\n').length, 2, junk.stderr);
});

test('--json on plugins and methods; the plugins table keeps one line per plugin, LAST ERROR with its age, cleared by a good reload', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'p.plugin.js': PING } });
  const methods = await runCli(['--home', daemon.home, 'methods', '--json']);
  t.true(JSON.parse(methods.stdout).includes('p.ping'));
  const plugins = JSON.parse((await runCli(['--home', daemon.home, 'plugins', '--json'])).stdout);
  t.like(plugins[0], { name: 'p', state: 'ready', methods: ['p.ping'] });
  const rescan = JSON.parse((await runCli(['--home', daemon.home, 'reload', '--json'])).stdout);
  t.deepEqual(rescan.unchanged, ['p']);
  const top = JSON.parse((await runCli(['--home', daemon.home, 'top', '--json'])).stdout);
  t.is(top.plugins[0].name, 'p');

  writeFileSync(join(daemon.pluginDir, 'p.plugin.js'), 'export default {\n  setup( {\n};\n');
  t.is((await runCli(['--home', daemon.home, 'reload', 'p'])).code, 1);
  const table = (await runCli(['--home', daemon.home, 'plugins'])).stdout.trimEnd().split('\n');
  t.is(table.length, 2, table.join('\n'));
  t.regex(table[1], /^p +ready .* \d+s ago: /);
  const detailed = await daemon.call('plugins.status', { name: 'p' });
  t.true(typeof detailed.lastErrorAt === 'string' && detailed.lastError.length > 0);

  writeFileSync(join(daemon.pluginDir, 'p.plugin.js'), PING.replace("'pong'", "'pong again'"));
  t.is((await runCli(['--home', daemon.home, 'reload', 'p'])).code, 0);
  const cleared = JSON.parse((await runCli(['--home', daemon.home, 'plugins', '--json'])).stdout)[0];
  t.is(cleared.lastError, undefined);
});

test('errors name their subject: the unknown method, and the allowed values of an enum key, in one line', async (t) => {
  const daemon = await startDaemon(t);
  const unknown = await runCli(['--home', daemon.home, 'call', 'hello.greet']);
  t.is(unknown.stderr, 'error -32601: Method not found: hello.greet\n');
  const { home } = makeHome(t, { config: { isolation: 'proc' } });
  const refused = await runCli(['--home', home, 'start', '--foreground']);
  t.is(refused.code, 1);
  t.is(refused.stderr, `${join(home, 'plugd.json')}: config.isolation must be one of "thread", "process", "auto"\n`);
});
