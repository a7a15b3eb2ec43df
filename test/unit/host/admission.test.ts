// Admission alone (core/host/admission.ts): which state refuses a call with
// which code, the in-flight cap, an idle onCall plugin woken by its call, and a
// frozen plugin's calls held at the gate. The plugin record and the gate are
// the real ones; the worker and the onCall activation are fakes.

import test from 'ava';
import type { PluginState } from '../../../core/contract/plugin-status.js';
import { Admission } from '../../../core/host/admission.js';
import type { OnCallActivation } from '../../../core/host/on-call.js';
import { SupervisedPlugin } from '../../../core/host/supervised-plugin.js';
import { WorkerSwap } from '../../../core/host/worker-swap.js';
import { RpcError } from '../../../core/rpc/errors.js';
import { partsEnv, ScriptedWorker, settled } from '../../helpers/host-parts.js';

/** The onCall activation as admission uses it: it counts calls and, asked, starts the worker. */
class FakeOnCall {
  waking = false;
  calls = 0;
  wakes: Array<{ method: string; timeoutMs: number }> = [];
  constructor(private readonly start: () => void) {}
  called(): void {
    this.calls++;
  }
  wakeWithin(method: string, timeoutMs: number): Promise<number> {
    this.wakes.push({ method, timeoutMs });
    this.start();
    this.waking = false;
    return Promise.resolve(timeoutMs - 1);
  }
}

function rig(state: PluginState = 'ready', maxInFlight = 2) {
  const plugin = new SupervisedPlugin({ name: 'p', path: '/p', entry: '/p/p.plugin.mjs' }, partsEnv({}, maxInFlight));
  const worker = new ScriptedWorker();
  plugin.state = state;
  plugin.worker = state === 'idle' ? undefined : worker.asWorker;
  const swap = new WorkerSwap(plugin);
  const onCall = new FakeOnCall(() => {
    plugin.worker = worker.asWorker;
    plugin.state = 'ready';
  });
  const admission = new Admission(plugin, swap, onCall as unknown as OnCallActivation);
  return { plugin, worker, swap, onCall, admission };
}

async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(error)}`);
  return error;
}

test('a ready plugin takes the call, under the default call timeout or the method’s own', async (t) => {
  const { admission, worker, onCall } = rig();
  const first = admission.call({ name: 'echo' }, { x: 1 });
  const second = admission.call({ name: 'slow', timeoutMs: 1234 }, 'y');
  t.deepEqual(
    worker.taken.map(({ method, params, timeoutMs }) => ({ method, params, timeoutMs })),
    [
      { method: 'echo', params: { x: 1 }, timeoutMs: 30_000 },
      { method: 'slow', params: 'y', timeoutMs: 1234 },
    ],
  );
  t.is(onCall.calls, 2, 'each call counts for the idle stop');
  worker.taken[1].resolve('late');
  worker.taken[0].resolve('done');
  t.is(await first, 'done');
  t.is(await second, 'late');
});

for (const state of ['discovered', 'loading', 'draining', 'stopped'] as PluginState[]) {
  test(`a plugin ${state} refuses the call: -32001 naming its state`, async (t) => {
    const { admission, worker } = rig(state);
    const error = await refusal(admission.call({ name: 'echo' }, {}));
    t.is(error.code, -32001);
    t.is(error.message, `plugin p is ${state}`);
    t.deepEqual(error.data, { plugin: 'p', state });
    t.is(worker.inFlight, 0);
  });
}

for (const state of ['crashed', 'backoff'] as PluginState[]) {
  test(`a plugin ${state} refuses the call: -32001, restarting, with the crash's reason`, async (t) => {
    const { admission, plugin } = rig(state);
    plugin.worker = undefined;
    plugin.history.lastError = { message: 'boom', at: 0 };
    const error = await refusal(admission.call({ name: 'echo' }, {}));
    t.is(error.code, -32001);
    t.is(error.message, 'plugin p is restarting after a crash: boom');
    t.deepEqual(error.data, { plugin: 'p', state });
  });
}

test('a failed plugin refuses the call: -32001 with its last error', async (t) => {
  const { admission, plugin } = rig('failed');
  plugin.worker = undefined;
  plugin.history.lastError = { message: '3 crashes within 60000 ms', at: 0 };
  const error = await refusal(admission.call({ name: 'echo' }, {}));
  t.is(error.code, -32001);
  t.is(error.message, 'plugin p failed: 3 crashes within 60000 ms');
});

test('a paused plugin refuses the call: -32001 with paused in its data', async (t) => {
  const { admission, plugin, worker } = rig();
  plugin.history.paused = true;
  const error = await refusal(admission.call({ name: 'echo' }, {}));
  t.is(error.code, -32001);
  t.is(error.message, 'plugin p is paused');
  t.deepEqual(error.data, { plugin: 'p', state: 'ready', paused: true });
  t.is(worker.inFlight, 0);
});

test('a ready plugin whose worker is no longer alive refuses the call: -32001', async (t) => {
  const { admission, worker } = rig();
  worker.alive = false;
  const error = await refusal(admission.call({ name: 'echo' }, {}));
  t.is(error.code, -32001);
  t.is(worker.inFlight, 0);
});

test('at maxInFlight the next call is refused -32005 overloaded; once one ends, a call is taken again', async (t) => {
  const { admission, worker } = rig('ready', 2);
  const running = [admission.call({ name: 'echo' }, 1), admission.call({ name: 'echo' }, 2)];
  const error = await refusal(admission.call({ name: 'echo' }, 3));
  t.is(error.code, -32005);
  t.is(error.message, 'plugin p is overloaded: 2 calls in flight');
  t.is(worker.inFlight, 2);
  worker.taken[0].resolve('one');
  t.is(await running[0], 'one');
  const again = admission.call({ name: 'echo' }, 4);
  t.is(worker.inFlight, 2);
  for (const call of [...worker.taken]) call.resolve('ok');
  t.deepEqual(await Promise.all([running[1], again]), ['ok', 'ok']);
});

test('an idle plugin is woken by its call, which then reaches the started worker with what is left of its deadline', async (t) => {
  const { admission, worker, onCall, plugin } = rig('idle');
  const call = admission.call({ name: 'echo', timeoutMs: 500 }, 'hi');
  t.deepEqual(onCall.wakes, [{ method: 'echo', timeoutMs: 500 }]);
  await settled(() => worker.taken.length > 0);
  t.is(plugin.state, 'ready');
  t.deepEqual(
    worker.taken.map(({ method, params, timeoutMs }) => ({ method, params, timeoutMs })),
    [{ method: 'echo', params: 'hi', timeoutMs: 499 }],
  );
  worker.taken[0].resolve('hello');
  t.is(await call, 'hello');
});

test('a call that comes while the plugin is waking waits for the same start', async (t) => {
  const { admission, worker, onCall, plugin } = rig('loading');
  plugin.worker = undefined;
  onCall.waking = true;
  const call = admission.call({ name: 'echo' }, {});
  t.is(onCall.wakes.length, 1);
  await settled(() => worker.taken.length > 0);
  worker.taken[0].resolve('ok');
  t.is(await call, 'ok');
});

test('an idle plugin that is paused is not woken: -32001 paused', async (t) => {
  const { admission, onCall, plugin } = rig('idle');
  plugin.history.paused = true;
  const error = await refusal(admission.call({ name: 'echo' }, {}));
  t.is(error.code, -32001);
  t.deepEqual(error.data, { plugin: 'p', state: 'idle', paused: true });
  t.is(onCall.wakes.length, 0);
});

test('while the plugin is frozen the call waits at the gate, and is admitted when it opens', async (t) => {
  const { admission, worker, swap } = rig();
  const frozen = new ScriptedWorker();
  await swap.frozenSnapshot(frozen.asWorker, () => undefined);
  const call = admission.call({ name: 'echo' }, 'held');
  await Promise.resolve();
  t.is(worker.inFlight, 0, 'not admitted while frozen');
  swap.open();
  await settled(() => worker.taken.length > 0);
  t.is(worker.taken[0].params, 'held');
  t.true(worker.taken[0].timeoutMs > 0 && worker.taken[0].timeoutMs <= 30_000);
  worker.taken[0].resolve('through');
  t.is(await call, 'through');
});

test('a call held at the gate meets the state the plugin is in when it opens: refused if it failed meanwhile', async (t) => {
  const { admission, swap, plugin } = rig();
  await swap.frozenSnapshot(new ScriptedWorker().asWorker, () => undefined);
  const call = admission.call({ name: 'echo' }, {});
  plugin.worker = undefined;
  plugin.state = 'failed';
  plugin.history.lastError = { message: 'snapshot failed', at: 0 };
  swap.open();
  const error = await refusal(call);
  t.is(error.code, -32001);
  t.is(error.message, 'plugin p failed: snapshot failed');
});
