// JSON-RPC 2.0 semantics of the dispatcher, without a socket: a registered
// method answers, an unknown one is -32601, params its schema refuses are
// -32602, a notification gets no answer, and a batch answers what it owes.

import test from 'ava';
import { createHooks } from '../../core/hooks.js';
import { Dispatcher } from '../../core/rpc/dispatcher.js';
import { ErrorCode } from '../../core/rpc/errors.js';
import { defineMethod, MethodRegistry } from '../../core/rpc/registry.js';

const context = { transport: 'internal' } as const;

/** A dispatcher with `math.add` ({a, b} numbers) and `log.note`, which records what it was sent. */
function dispatcher() {
  const registry = new MethodRegistry();
  const notes: unknown[] = [];
  const numbers = {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
  };
  registry.add(defineMethod('math.add', 'math', { params: numbers }, ({ a, b }) => a + b, 'math'));
  registry.add(defineMethod('log.note', 'app', {}, (params) => void notes.push(params)));
  return { dispatch: new Dispatcher(registry, createHooks()), notes };
}

test('a registered method answers with its result and the request id', async (t) => {
  const { dispatch } = dispatcher();
  t.deepEqual(await dispatch.handle({ jsonrpc: '2.0', method: 'math.add', params: { a: 2, b: 3 }, id: 7 }, context), {
    jsonrpc: '2.0',
    result: 5,
    id: 7,
  });
  t.deepEqual(
    await dispatch.handleText('{"jsonrpc":"2.0","method":"math.add","params":{"a":1,"b":1},"id":"x"}', context),
    {
      jsonrpc: '2.0',
      result: 2,
      id: 'x',
    },
  );
});

test('an unknown method answers -32601', async (t) => {
  const { dispatch } = dispatcher();
  const answer: any = await dispatch.handle({ jsonrpc: '2.0', method: 'math.nope', id: 1 }, context);
  t.is(answer.error.code, ErrorCode.METHOD_NOT_FOUND);
  t.is(answer.id, 1);
});

test('params the schema refuses answer -32602 naming the method', async (t) => {
  const { dispatch } = dispatcher();
  for (const params of [{ a: 1 }, { a: 'one', b: 2 }]) {
    const answer: any = await dispatch.handle({ jsonrpc: '2.0', method: 'math.add', params, id: 2 }, context);
    t.is(answer.error.code, ErrorCode.INVALID_PARAMS, JSON.stringify(params));
    t.regex(answer.error.message, /^Invalid params/);
    t.like(answer.error.data, { method: 'math.add', plugin: 'math' });
    t.is(answer.id, 2);
  }
});

test('a notification runs its method and gets no answer', async (t) => {
  const { dispatch, notes } = dispatcher();
  t.is(await dispatch.handle({ jsonrpc: '2.0', method: 'log.note', params: { text: 'hi' } }, context), undefined);
  t.deepEqual(notes, [{ text: 'hi' }]);
  t.is(await dispatch.handle({ jsonrpc: '2.0', method: 'math.nope' }, context), undefined, 'not even an error');
});

test('a batch answers each request that expects one (in any order, as the spec allows), and nothing for notifications', async (t) => {
  const { dispatch, notes } = dispatcher();
  const answers: any = await dispatch.handle(
    [
      { jsonrpc: '2.0', method: 'math.add', params: { a: 1, b: 2 }, id: 1 },
      { jsonrpc: '2.0', method: 'log.note', params: { n: 1 } },
      { jsonrpc: '2.0', method: 'math.nope', id: 2 },
      { jsonrpc: '2.0', method: 'math.add', params: { a: 1 }, id: 3 },
    ],
    context,
  );
  t.deepEqual(
    answers
      .map((answer: any) => [answer.id, answer.result ?? answer.error.code])
      .sort(([a]: number[], [b]: number[]) => a - b),
    [
      [1, 3],
      [2, ErrorCode.METHOD_NOT_FOUND],
      [3, ErrorCode.INVALID_PARAMS],
    ],
  );
  t.deepEqual(notes, [{ n: 1 }]);
  t.is(
    await dispatch.handle([{ jsonrpc: '2.0', method: 'log.note' }], context),
    undefined,
    'a batch of notifications gets no answer',
  );
  t.like(await dispatch.handle([], context), { error: { code: ErrorCode.INVALID_REQUEST }, id: null });
});
