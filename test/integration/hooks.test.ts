// The tapable hooks, seen by a library user (in-core taps) and by a plugin
// (ctx.hooks taps forwarded into its worker).

import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDaemon, type CallInfo } from '../../core/index.js';
import { RpcClient } from '../../core/cli/client.js';
import { makeHome } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const WATCHER = `
import { definePlugin } from 'plugd/sdk';
const seen = [];
export default definePlugin({
  setup(ctx) {
    ctx.hooks.pluginLoaded.tap('watcher', (plugin) => seen.push('loaded ' + plugin.name));
    ctx.hooks.pluginUnloaded.tap('watcher', (plugin) => seen.push('unloaded ' + plugin.name));
    ctx.hooks.signal.tap('watcher', (signal) => seen.push(signal));
    ctx.rpc.method('seen', {}, () => seen);
  },
});
`;

test('core hooks fire for calls, loads and crashes; plugin taps receive forwarded events', async (t) => {
  const { home, pluginDir } = makeHome(t, {
    plugins: {
      'watcher.plugin.js': WATCHER,
      'crashy.plugin.js': `export default { setup(ctx) { ctx.rpc.method('die', {}, () => process.exit(2)); } }`,
    },
  });
  const daemon = createDaemon({
    home,
    file: { supervision: { restart: { initialDelayMs: 10, maxDelayMs: 20, maxCrashes: 10, windowMs: 60_000 } } },
  });
  const events: string[] = [];
  daemon.hooks.pluginLoaded.tap('test', (plugin) => events.push(`loaded ${plugin.name}`));
  daemon.hooks.pluginCrashed.tap('test', (crash) =>
    events.push(`crashed ${crash.name}: ${crash.reason} -> ${crash.next}`),
  );
  daemon.hooks.beforeCall.tapPromise('test', async (call: CallInfo) =>
    call.method === 'watcher.seen' ? { ...call, params: {} } : call,
  );
  daemon.hooks.afterCall.tap('test', (call, outcome) =>
    events.push(`after ${call.method}${outcome.error ? ` ${outcome.error.code}` : ''}`),
  );
  t.teardown(() => daemon.stop());
  await daemon.start();
  const client = await RpcClient.connect(join(home, 'plugd.sock'));
  t.teardown(() => client.close());

  t.true(events.includes('loaded watcher') && events.includes('loaded crashy'));
  await t.throwsAsync(client.call('crashy.die'));
  await until(async () => events.some((event) => event.startsWith('crashed crashy')), Boolean);
  t.true(events.includes('crashed crashy: exited with code 2 -> backoff'));
  t.true(events.includes('after crashy.die -32001'));

  writeFileSync(join(pluginDir, 'late.plugin.js'), `export default { setup() {} }`);
  await client.call('daemon.reload');
  daemon.hooks.signal.for('SIGUSR2').call('SIGUSR2');
  const seen = await until(
    () => client.call<string[]>('watcher.seen', ['ignored: beforeCall rewrites these params']),
    (list) => list.includes('SIGUSR2'),
  );
  t.true(seen.includes('loaded late'));
  t.true(seen.includes('loaded crashy')); // The restart after the crash.
  t.true(events.includes('after watcher.seen'));
});
