// Crash supervision with real workers: each fault costs only the faulty
// plugin's own calls, answered with -32001 (or -32003 past a deadline), the
// plugin comes back with backoff, and a crash loop ends in `failed`.

import test from 'ava';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { FAST_SUPERVISION, FAULTY } from '../fixtures/faults/faulty.js';

const supervision = FAST_SUPERVISION;

async function expectCode(t: any, daemon: TestDaemon, method: string, code: number): Promise<any> {
  const error = await t.throwsAsync(daemon.call(method));
  t.is(error.code, code, `${method}: ${error.message}`);
  t.is(error.data?.plugin, 'faulty');
  return error;
}

function waitForState(daemon: TestDaemon, name: string, state: string): Promise<any> {
  const find = async () => (await daemon.call<any[]>('plugins.list')).find((candidate) => candidate.name === name);
  return until(find, (plugin) => plugin?.state === state);
}

for (const [fault, code, reason] of [
  ['throwLater', -32001, /uncaught Error: timer threw/],
  ['exit', -32001, /exited with code 1/],
  ['spin', -32001, /event loop blocked/],
  ['oom', -32001, /out of memory/],
] as const) {
  test(`a plugin that faults (${fault}) costs its own calls only, and comes back`, async (t) => {
    // An allocation loop also stalls the event loop; a long heartbeat lets the heap limit strike first.
    const heartbeatTimeoutMs = fault === 'oom' ? 60_000 : supervision.heartbeatTimeoutMs;
    const daemon = await startDaemon(t, {
      examples: true,
      plugins: { 'faulty.plugin.js': FAULTY },
      config: { supervision: { ...supervision, heartbeatTimeoutMs, resourceLimits: { maxOldGenerationSizeMb: 32 } } },
    });
    const [error] = await Promise.all([
      expectCode(t, daemon, `faulty.${fault}`, code),
      daemon.call('echo.say', { text: 'meanwhile' }),
    ]);
    t.regex(error.message, reason);
    t.is((await daemon.call('daemon.status')).pid, daemon.pid);
    t.deepEqual(await daemon.call('echo.say', { text: 'after' }), { text: 'after' });
    const back = await waitForState(daemon, 'faulty', 'ready');
    t.is(back.restarts, 1);
    t.is(await daemon.call('faulty.ok'), 'ok');
  });
}

test('a call past its deadline gets -32003 and the plugin keeps serving', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'faulty.plugin.js': FAULTY }, config: { supervision } });
  const error = await expectCode(t, daemon, 'faulty.slow', -32003);
  t.regex(error.message, /deadline of 100 ms/);
  t.is(await daemon.call('faulty.ok'), 'ok');
});

test('a crash loop stops in failed, whose methods answer -32001 until a reload', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'faulty.plugin.js': FAULTY }, config: { supervision } });
  for (let crash = 0; crash < supervision.restart.maxCrashes; crash++) {
    await waitForState(daemon, 'faulty', 'ready');
    await expectCode(t, daemon, 'faulty.exit', -32001);
  }
  const failed = await waitForState(daemon, 'faulty', 'failed');
  t.is(failed.restarts, supervision.restart.maxCrashes - 1);
  const error = await expectCode(t, daemon, 'faulty.ok', -32001);
  t.regex(error.message, /plugin faulty failed: exited with code 1/);
  await daemon.call('plugins.reload', { name: 'faulty' });
  t.is(await daemon.call('faulty.ok'), 'ok');
});

test('a setup that never resolves misses the load deadline and names the plugin', async (t) => {
  const daemon = await startDaemon(t, {
    examples: true,
    plugins: { 'hang.plugin.js': 'export default { setup() { return new Promise(() => {}); } }' },
    // Per-plugin override: only `hang` gets the short deadline.
    config: { supervision, plugins: { hang: { supervision: { loadTimeoutMs: 1000 } } } },
  });
  const plugins: any[] = await daemon.call('plugins.list');
  const hang = plugins.find((plugin) => plugin.name === 'hang');
  t.is(hang.state, 'failed');
  t.regex(hang.lastError, /load missed its deadline of 1000 ms/);
  t.regex(daemon.output(), /plugin hang failed to load/);
  t.deepEqual(await daemon.call('echo.say', { text: 'x' }), { text: 'x' });
});
