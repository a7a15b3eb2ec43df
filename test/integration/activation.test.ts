// Activation on first call (README, "Many plugins"): a hundred onCall plugins
// cost no worker until called. Their methods are listed before any starts (the
// plugin folder's first scan loads each once to learn them, then stops it); a
// call starts only its own plugin, which stops again after idleStopMs without
// a call, its state held by the daemon and restored at its next start.

import test from 'ava';
import { startDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import type { PluginStatus } from '../../core/contract/plugin-status.js';

const COUNT = 100;

/** A stateful counter: what its snapshot carries shows whether its state came back. */
const counter = (index: number) => `
import { definePlugin } from 'plugd/sdk';
let count = 0;
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('incr', {}, () => ++count);
    ctx.rpc.method('get', {}, () => count);
    ctx.rpc.method('which', {}, () => ${index});
  },
  snapshot: () => count,
  restore: (state) => { count = state; },
});
`;

const plugins = Object.fromEntries(Array.from({ length: COUNT }, (_, index) => [`p${index}.plugin.js`, counter(index)]));

const states = (list: PluginStatus[]) => Object.fromEntries(list.map((plugin) => [plugin.name, plugin.state]));

test('100 onCall plugins: listed idle with all their methods, a call starts only its own, which idles again and keeps its state', async (t) => {
  // The first scan loads each of the hundred once (a loaded 2-core machine takes its time).
  t.timeout(240_000);
  const daemon = await startDaemon(t, { plugins, config: { activation: 'onCall', plugins: { p7: { idleStopMs: 1000 } } } });
  t.like(await daemon.call('daemon.status'), { pid: daemon.pid });

  const listed: PluginStatus[] = await daemon.call('plugins.list');
  t.is(listed.length, COUNT);
  t.true(listed.every((plugin) => plugin.state === 'idle' && plugin.activation === 'onCall'), JSON.stringify(states(listed)));
  const methods: string[] = await daemon.call('system.listMethods');
  for (let index = 0; index < COUNT; index++) {
    for (const method of ['incr', 'get', 'which']) t.true(methods.includes(`p${index}.${method}`), `p${index}.${method} is listed`);
  }

  t.is(await daemon.call('p7.which'), 7);
  t.is(await daemon.call('p7.incr'), 1);
  const afterCall = states(await daemon.call('plugins.list'));
  t.is(afterCall.p7, 'ready');
  t.deepEqual(Object.entries(afterCall).filter(([name, state]) => name !== 'p7' && state !== 'idle'), [], 'the others stay idle');

  await until(async () => (await daemon.call<PluginStatus>('plugins.status', { name: 'p7' })).state, (state) => state === 'idle');
  t.is(await daemon.call('p7.get'), 1, 'its state came back at its next start');
  t.is((await daemon.call<PluginStatus>('plugins.status', { name: 'p7' })).state, 'ready');
});
