// JSON-RPC 2.0 semantics of the dispatcher, without a socket (the one home of
// these rules; test/integration/jsonrpc.test.ts checks what only the socket
// shows): a registered method answers, an unknown one is -32601, params its
// schema refuses are -32602, a notification gets no answer, a batch answers
// what it owes; ids and params passed on unchanged or refused; positional
// params for methods that name theirs.

import test from 'ava';
import { createHooks } from '../../../core/hooks.js';
import { Dispatcher } from '../../../core/rpc/dispatcher.js';
import { ErrorCode } from '../../../core/rpc/errors.js';
import { defineMethod, MethodRegistry } from '../../../core/rpc/registry.js';

const context = { transport: 'internal' } as const;

/**
 * A dispatcher with `math.add` ({a, b} numbers), `log.note`, which records
 * what it was sent, `echo`, which answers its params and records them, and
 * `help`, which names its one param for positional calls.
 */
function dispatcher() {
  const registry = new MethodRegistry();
  const notes: unknown[] = [];
  const seen: unknown[] = [];
  const numbers = {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
  };
  registry.add(defineMethod('math.add', 'math', { params: numbers }, ({ a, b }) => a + b, 'math'));
  registry.add(defineMethod('log.note', 'app', {}, (params) => void notes.push(params)));
  registry.add(defineMethod('echo', 'app', {}, (params) => (seen.push(params), params ?? null)));
  registry.add(
    defineMethod(
      'help',
      'app',
      {
        params: {
          type: 'object',
          properties: { method: { type: 'string' } },
          required: ['method'],
          additionalProperties: false,
        },
        positional: ['method'],
      },
      ({ method }: { method: string }) => `help for ${method}`,
    ),
  );
  return { dispatch: new Dispatcher(registry, createHooks()), notes, seen };
}

const answer = (text: string) => dispatcher().dispatch.handleText(text, context) as Promise<any>;

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

test('"id": null is answered with null; a missing id is a notification in a batch too', async (t) => {
  t.deepEqual(await answer('{"jsonrpc":"2.0","method":"echo","params":[1],"id":null}'), {
    jsonrpc: '2.0',
    id: null,
    result: [1],
  });
  const batch = await answer(
    '[{"jsonrpc":"2.0","method":"echo","id":null},{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"nope","id":null}]',
  );
  t.deepEqual(
    batch.map((one: any) => [one.id, one.error?.code ?? one.result]),
    [
      [null, null],
      [null, -32601],
    ],
  );
});

test('an invalid request carries its id back when the id is valid, null otherwise', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['{"jsonrpc":"2.0","method":"echo","params":42,"id":7}', 7],
    ['{"jsonrpc":"2.0","method":"echo","params":null,"id":"s"}', 's'],
    ['{"jsonrpc":"2.0","method":1,"id":8}', 8],
    ['{"method":"echo","id":9}', 9],
    ['{"jsonrpc":"2.0","method":"echo","id":1e400}', null],
    ['{"jsonrpc":"2.0","method":"echo","id":true}', null],
    ['{"jsonrpc":"2.0","method":"echo","id":[1]}', null],
    ['"echo"', null],
    ['{"jsonrpc":"1.0","method":"echo","id":"v"}', 'v'],
    ['{"jsonrpc":"2.0","method":7,"id":null}', null],
    ['{"jsonrpc":"2.0","method":"echo","id":{"a":1}}', null],
  ];
  for (const [text, id] of cases) {
    const refused = await answer(text);
    t.deepEqual([refused.id, refused.error.code], [id, -32600], text);
  }
  const batch = await answer(
    '[{"jsonrpc":"2.0","method":"echo","id":-1e400},{"jsonrpc":"2.0","method":"echo","id":2}]',
  );
  t.deepEqual(
    batch.map((one: any) => [one.id, one.error?.code ?? 'ok']),
    [
      [null, -32600],
      [2, 'ok'],
    ],
    'an id that cannot be echoed fails its own member of a batch only',
  );
});

test('a non-finite number anywhere in params is refused naming the member, and never reaches the handler', async (t) => {
  const { dispatch: subject, seen } = dispatcher();
  const call = (params: string) =>
    subject.handleText(`{"jsonrpc":"2.0","method":"echo","params":${params},"id":1}`, {
      transport: 'internal',
    }) as Promise<any>;
  const members: Array<[string, string]> = [
    ['{"a":1e999}', 'params.a'],
    ['[0,[1,-1e999]]', 'params[1][1]'],
    ['{"odd key":{"__proto__":[1e400]}}', 'params["odd key"].__proto__[0]'],
  ];
  for (const [params, member] of members) {
    const refused = await call(params);
    t.is(refused.error.code, -32602);
    t.true(refused.error.message.includes(`${member} is a number`), refused.error.message);
  }
  t.deepEqual(seen, []);
  // Deeper than the call stack goes: still answered, with nothing passed on.
  const deep = `${'['.repeat(200_000)}1e999${']'.repeat(200_000)}`;
  t.is((await call(deep)).error.code, -32602);
  t.deepEqual((await call('{"a":1.7976931348623157e308,"b":5e-324}')).result, { a: 1.7976931348623157e308, b: 5e-324 });
});

test('a method that names its params takes them by position; more than it names is -32602', async (t) => {
  t.is((await answer('{"jsonrpc":"2.0","method":"help","params":["x.y"],"id":1}')).result, 'help for x.y');
  t.is((await answer('{"jsonrpc":"2.0","method":"help","params":{"method":"x.y"},"id":1}')).result, 'help for x.y');
  t.regex(
    (await answer('{"jsonrpc":"2.0","method":"help","params":["x.y","z"],"id":1}')).error.message,
    /at most 1 by position \(method\)/,
  );
});
