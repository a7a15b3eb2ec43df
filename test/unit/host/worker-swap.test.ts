// WorkerSwap alone (core/host/worker-swap.ts): the gate calls wait at while the
// plugin is frozen (its queue cap and each call's deadline), the freeze that
// waits for the calls in flight before the snapshot, a freeze or snapshot that
// fails leaving the gate for its caller to open, and retiring workers. Node's
// mock timers drive the deadlines, so no test waits.

import test, { type ExecutionContext } from 'ava';
import { mock } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Phase } from '../../../core/host/errors.js';
import { WorkerSwap } from '../../../core/host/worker-swap.js';
import { RpcError } from '../../../core/rpc/errors.js';
import { partsEnv, ScriptedWorker, settled } from '../../helpers/host-parts.js';

function rig(maxInFlight = 2) {
  const env = partsEnv({ snapshotTimeoutMs: 4321, drainTimeoutMs: 777 }, maxInFlight);
  const warnings: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(line: Buffer, _encoding, done) {
      warnings.push(JSON.parse(line.toString()) as Record<string, unknown>);
      done();
    },
  });
  env.logger = pino({ level: 'warn' }, sink);
  const swap = new WorkerSwap({ name: 'p', env });
  /** Calls that got past the gate, with the time they had left; by default they have no deadline, so a busy machine cannot expire them. */
  const admitted: Array<{ label: string; remainingMs: number }> = [];
  const enter = (label: string, timeoutMs = 0) =>
    swap.enter('echo', timeoutMs, (remainingMs) => {
      admitted.push({ label, remainingMs });
      return Promise.resolve(label);
    });
  return { swap, enter, admitted, warnings };
}

/** Freezes `swap` on an idle worker, so the gate is closed. */
async function frozen(swap: WorkerSwap): Promise<void> {
  await swap.frozenSnapshot(new ScriptedWorker().asWorker, () => undefined);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
}

function mockTimers(t: ExecutionContext) {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.teardown(() => mock.timers.reset());
}

test('while open, a call goes straight on with its whole deadline', async (t) => {
  const { enter, admitted } = rig();
  t.is(await enter('a', 1000), 'a');
  t.deepEqual(admitted, [{ label: 'a', remainingMs: 1000 }]);
});

test('a freeze on an idle worker: freeze, then snapshot under snapshotTimeoutMs; the gate stays closed until opened', async (t) => {
  const { swap, enter, admitted } = rig();
  const worker = new ScriptedWorker();
  worker.snapshotResult = { value: { count: 7 } };
  const phases: Phase[] = [];
  t.deepEqual(await swap.frozenSnapshot(worker.asWorker, (phase) => phases.push(phase)), { count: 7 });
  t.deepEqual(phases, ['freeze', 'snapshot']);
  t.deepEqual(worker.snapshotTimeouts, [4321]);
  const held = enter('held', 60_000);
  await Promise.resolve();
  t.deepEqual(admitted, [], 'frozen: the call waits');
  swap.open();
  t.is(await held, 'held');
  t.is(admitted.length, 1);
  t.true(admitted[0].remainingMs > 0 && admitted[0].remainingMs <= 60_000, 'what is left of its deadline');
});

test('the freeze waits for the calls in flight to end before the snapshot', async (t) => {
  const { swap } = rig();
  const worker = new ScriptedWorker();
  const running = worker.call('echo', 1, 1000);
  const phases: Phase[] = [];
  const snapshot = swap.frozenSnapshot(worker.asWorker, (phase) => phases.push(phase));
  await Promise.resolve();
  t.deepEqual(phases, ['freeze']);
  t.deepEqual(worker.snapshotTimeouts, [], 'no snapshot while a call runs');
  worker.taken[0].resolve('done');
  t.is(await running, 'done');
  t.deepEqual(await snapshot, { count: 1 });
  t.deepEqual(phases, ['freeze', 'snapshot']);
});

test('a freeze whose calls outlast freezeTimeoutMs fails, with no snapshot; the held calls go on once the caller opens', async (t) => {
  const { swap, enter, admitted } = rig();
  const worker = new ScriptedWorker();
  void worker.call('stuck', 1, 0);
  const snapshot = swap.frozenSnapshot(worker.asWorker, () => undefined);
  const held = enter('held');
  worker.expireIdleWait();
  const error = await rejection(snapshot);
  t.true(error instanceof Error);
  t.is((error as Error).message, '1 call(s) still running after the freezeTimeoutMs of 10000 ms');
  t.deepEqual(worker.snapshotTimeouts, []);
  t.deepEqual(admitted, [], 'the gate is the caller’s to open');
  swap.open();
  t.is(await held, 'held');
});

test('a snapshot that fails rejects the freeze; the gate opens for the held calls when the caller opens it', async (t) => {
  const { swap, enter, admitted } = rig();
  const worker = new ScriptedWorker();
  worker.snapshotResult = { error: new Error('snapshot threw') };
  const held = enter('before');
  t.is(await held, 'before', 'not frozen yet: straight on');
  const failure = swap.frozenSnapshot(worker.asWorker, () => undefined);
  const waiting = enter('during');
  const error = await rejection(failure);
  t.is((error as Error).message, 'snapshot threw');
  await Promise.resolve();
  t.deepEqual(
    admitted.map(({ label }) => label),
    ['before'],
  );
  swap.open();
  t.is(await waiting, 'during');
  t.is(await enter('after'), 'after', 'open again: calls go straight on');
});

test('while frozen, at most maxInFlight calls wait: the next is refused -32005 in the freeze phase', async (t) => {
  const { swap, enter } = rig(2);
  await frozen(swap);
  const waiting = [enter('a'), enter('b')];
  const error = await rejection(enter('c'));
  t.true(error instanceof RpcError);
  t.is((error as RpcError).code, -32005);
  t.is((error as RpcError).message, 'plugin p is overloaded: 2 calls waiting while it is frozen');
  t.deepEqual((error as RpcError).data, { plugin: 'p', phase: 'freeze' });
  swap.open();
  t.deepEqual(await Promise.all(waiting), ['a', 'b']);
});

test.serial(
  'a call waiting at the gate past its deadline fails -32003 and is never admitted; it frees its place in the queue',
  async (t) => {
    mockTimers(t);
    const { swap, enter, admitted } = rig(1);
    await frozen(swap);
    const late = enter('late', 500);
    mock.timers.tick(499);
    await Promise.resolve();
    t.is(((await rejection(enter('full', 500))) as RpcError).code, -32005, 'still waiting at 499 ms');
    mock.timers.tick(1);
    const error = await rejection(late);
    t.true(error instanceof RpcError);
    t.is((error as RpcError).code, -32003);
    t.is((error as RpcError).message, 'p.echo exceeded its deadline of 500 ms');
    const next = enter('next', 500);
    swap.open();
    t.is(await next, 'next');
    t.deepEqual(
      admitted.map(({ label }) => label),
      ['next'],
    );
  },
);

test.serial('a call with no deadline (0) waits at the gate however long, and goes on with 0', async (t) => {
  mockTimers(t);
  const { swap, enter, admitted } = rig();
  await frozen(swap);
  const patient = enter('patient', 0);
  mock.timers.tick(24 * 3600 * 1000);
  await Promise.resolve();
  t.deepEqual(admitted, []);
  swap.open();
  t.is(await patient, 'patient');
  t.deepEqual(admitted, [{ label: 'patient', remainingMs: 0 }]);
});

test('retired workers stop in the background under drainTimeoutMs; waitingFor names what they wait for; retired() settles when all have stopped', async (t) => {
  const { swap, warnings } = rig();
  const first = new ScriptedWorker();
  const second = new ScriptedWorker();
  first.waitingFor = '1 call';
  second.waitingFor = 'stop hook';
  swap.retire(first.asWorker);
  swap.retire(second.asWorker);
  t.deepEqual(
    [first, second].map((worker) => worker.stops.map(({ drainTimeoutMs }) => drainTimeoutMs)),
    [[777], [777]],
  );
  t.is(swap.waitingFor, '1 call, stop hook');
  let done = false;
  const retired = swap.retired().then(() => (done = true));
  first.stops[0].end([]);
  await settled(() => swap.waitingFor === 'stop hook', 'the first worker never left the retiring');
  t.false(done, 'one worker still stopping');
  second.stops[0].end(['stop hook timed out']);
  await retired;
  t.is(swap.waitingFor, undefined);
  t.deepEqual(
    warnings.map(({ plugin, phase, msg }) => ({ plugin, phase, msg })),
    [{ plugin: 'p', phase: 'stop', msg: 'plugin p stop: stop hook timed out' }],
  );
});

test('with nothing retiring, retired() settles at once and nothing is waited for', async (t) => {
  const { swap } = rig();
  await swap.retired();
  t.is(swap.waitingFor, undefined);
});
