// plugins.load loads only from the plugin folder and the folders in loadPaths.

import test from 'ava';
import { join } from 'node:path';
import { makeHome, startDaemon, writePlugin } from '../helpers/daemon.js';

const GREETER = 'export default { setup(ctx) { ctx.rpc.method("hi", {}, () => "hi"); } }';

test('plugins.load refuses a path outside the plugin folder and loadPaths with -32602 and the reason', async (t) => {
  const { home: outside } = makeHome(t);
  writePlugin(outside, 'stranger.plugin.js', GREETER);
  const daemon = await startDaemon(t, { config: { loadPaths: ['allowed'] } });
  writePlugin(join(daemon.home, 'allowed'), 'friend.plugin.js', GREETER);
  writePlugin(daemon.pluginDir, 'local.plugin.js', GREETER);

  const refused = await daemon
    .call('plugins.load', { path: join(outside, 'stranger.plugin.js') })
    .catch((error) => error);
  t.is(refused.code, -32602);
  t.regex(
    refused.message,
    /stranger\.plugin\.js is outside the plugin folder and loadPaths .*: add its folder to loadPaths in plugd\.json/,
  );
  t.is((await daemon.call('system.listMethods')).includes('stranger.hi'), false);

  await daemon.call('plugins.load', { path: join(daemon.home, 'allowed', 'friend.plugin.js') });
  t.is(await daemon.call('friend.hi'), 'hi');
  await daemon.call('plugins.load', { path: join(daemon.pluginDir, 'local.plugin.js') });
  t.is(await daemon.call('local.hi'), 'hi');
});
