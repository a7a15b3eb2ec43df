// A plugin whose setup throws at start: the daemon runs and serves the
// others, but `plugd start` names the plugin and why, and exits 1; the
// foreground welcome names it too.

import test from 'ava';
import { makeHome, runCli, startDaemon } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';

const PLUGINS = {
  'good.plugin.js': "export default { setup(ctx) { ctx.rpc.method('ping', {}, () => 'pong'); } };\n",
  'bad.plugin.js': "export default { setup() { throw new Error('no database'); } };\n",
};

test('plugd start: started, but a plugin that failed is named and the exit code is 1', async (t) => {
  const { home } = makeHome(t, { plugins: PLUGINS });
  cleanUpDaemonOf(t, home);
  const started = await runCli(['--home', home, 'start']);
  t.is(started.code, 1);
  t.regex(started.stdout, /^plugd started \(pid \d+\)\n$/);
  t.regex(started.stderr, /^failed: bad: plugin bad failed to load: .*no database/m);
  t.notRegex(started.stderr, /good/);
  const served = await runCli(['--home', home, 'call', 'good.ping']);
  t.is(served.stdout, '"pong"\n');
  t.is((await runCli(['--home', home, 'stop'])).code, 0);
});

test('the foreground welcome names the plugin that failed', async (t) => {
  const daemon = await startDaemon(t, { plugins: PLUGINS });
  t.regex(daemon.output(), /running in the foreground \(pid \d+\), 1 plugin\(s\) ready, 1 failed\n/);
  t.regex(daemon.output(), /^failed: bad: plugin bad failed to load: .*no database/m);
});
