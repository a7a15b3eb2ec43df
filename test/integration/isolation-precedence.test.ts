// Isolation is the operator's (README "Isolation"): a plugin's manifest may
// ask for more isolation than the config gives, never less; `user`, `group`
// or `env` for a plugin mean a process, and a config that also says "thread"
// for it fails that plugin's load with the reason.

import test from 'ava';
import { startDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { pluginNamed } from './process-cases.js';

const WHERE = `export default {
  setup(ctx) { ctx.rpc.method('where', {}, () => ({ pid: process.pid, own: process.env.SCANNER_OWN ?? null })); },
};
`;

/** A plugin folder whose manifest asks for `isolation`. */
const scanner = (isolation: string) => ({
  'scanner/package.json': JSON.stringify({ name: 'scanner', version: '1.0.0', plugd: { isolation } }),
  'scanner/index.js': WHERE,
});

test('a manifest that asks for a thread cannot take a plugin out of the process the config gives', async (t) => {
  const daemon = await startDaemon(t, { plugins: scanner('thread'), config: { isolation: 'process' } });
  t.like(await pluginNamed(daemon, 'scanner'), { isolation: 'process', state: 'ready' });
  t.not((await daemon.call('scanner.where')).pid, daemon.pid);
});

test('a manifest that asks for a thread cannot take a plugin with env out of its process', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: scanner('thread'),
    config: { isolation: 'thread', plugins: { scanner: { env: { SCANNER_OWN: 'given' } } } },
  });
  t.like(await pluginNamed(daemon, 'scanner'), { isolation: 'process', state: 'ready' });
  t.like(await daemon.call('scanner.where'), { own: 'given' });
});

test('a manifest may raise a thread to a process, and the log says the manifest did', async (t) => {
  const daemon = await startDaemon(t, { plugins: scanner('process'), config: { isolation: 'thread' } });
  t.like(await pluginNamed(daemon, 'scanner'), { isolation: 'process', state: 'ready' });
  const output = await until(
    async () => daemon.output(),
    (text) => text.includes('scanner runs in a process: its manifest asks'),
  );
  t.regex(output, /scanner runs in a process: its manifest asks for isolation \\?"process\\?"/);
});

test('a config that says "thread" for a plugin with env fails its load, naming why', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: scanner('thread'),
    config: { plugins: { scanner: { isolation: 'thread', env: { SCANNER_OWN: 'given' } } } },
  });
  t.is(await pluginNamed(daemon, 'scanner'), undefined);
  const error = await t.throwsAsync(daemon.call('scanner.where'));
  t.is((error as { code?: number }).code, -32601);
  const summary = await daemon.call('daemon.reload');
  t.regex(
    JSON.stringify(summary),
    /plugins\.scanner says isolation \\"thread\\" but sets env, which only a process has/,
  );
});
