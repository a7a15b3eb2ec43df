// The table of calls a worker owes answers to: each answer reaches its own
// caller once, a passed deadline rejects with the error the table was given,
// a dead worker fails them all, and `drained` waits for the last one.

import test from 'ava';
import { PendingCalls } from '../../../core/host/pending-calls.js';
import { ErrorCode, RpcError } from '../../../core/rpc/errors.js';

const expired = (method: string, timeoutMs: number) =>
  new RpcError(ErrorCode.DEADLINE_EXCEEDED, `${method} took over ${timeoutMs} ms`);
/** A deadline no test reaches. */
const FAR = 60_000;

/** Disarms the sweep timer (as a dead worker does), which would keep the test process alive. */
const disarm = (pending: PendingCalls) => pending.failAll(new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, 'test over'));

test('resolve and reject answer their own call once; an unknown id answers false', async (t) => {
  const pending = new PendingCalls(expired);
  const first = pending.add(1, 'a.one', FAR);
  const second = pending.add(2, 'a.two', FAR);
  t.is(pending.size, 2);
  t.true(pending.resolve(1, 'one'));
  t.true(pending.reject(2, new RpcError(ErrorCode.INTERNAL_ERROR, 'no')));
  t.is(await first, 'one');
  t.like(await t.throwsAsync<RpcError>(second), { code: ErrorCode.INTERNAL_ERROR, message: 'no' });
  t.false(pending.resolve(1, 'again'));
  t.false(pending.reject(3, new RpcError(ErrorCode.INTERNAL_ERROR, 'never added')));
  t.is(pending.size, 0);
  disarm(pending);
});

test('a passed deadline rejects with the expired error; a later one stays pending', async (t) => {
  const pending = new PendingCalls(expired);
  const late = pending.add(1, 'a.late', 1);
  const patient = pending.add(2, 'a.patient', FAR);
  const error = await t.throwsAsync<RpcError>(late);
  t.is(error.code, ErrorCode.DEADLINE_EXCEEDED);
  t.is(error.message, 'a.late took over 1 ms');
  t.is(pending.size, 1);
  t.false(pending.resolve(1, 'too late'), 'an expired call is no longer pending');
  t.true(pending.resolve(2, 'done'));
  t.is(await patient, 'done');
  disarm(pending);
});

test('failAll rejects every pending call with one error and empties the table', async (t) => {
  const pending = new PendingCalls(expired);
  const calls = [pending.add(1, 'a.x', FAR), pending.add(2, 'a.y', FAR)];
  const died = new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, 'worker exited');
  pending.failAll(died);
  for (const call of calls) t.is(await t.throwsAsync(call), died);
  t.is(pending.size, 0);
});

test('drained resolves at once when empty, else once the last call is answered', async (t) => {
  const pending = new PendingCalls(expired);
  await pending.drained();
  void pending.add(1, 'a.x', FAR);
  void pending.add(2, 'a.y', FAR);
  let drained = false;
  const waiting = pending.drained().then(() => (drained = true));
  pending.resolve(1, 'one');
  await Promise.resolve();
  t.false(drained, 'one call is still pending');
  pending.resolve(2, 'two');
  await waiting;
  t.true(drained);
  disarm(pending);
});
