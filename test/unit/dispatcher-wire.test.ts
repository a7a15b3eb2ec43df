// The dispatcher without a daemon: what is a request, a notification or an
// invalid one; ids and params passed on unchanged or refused; positional
// params for methods that name theirs; answers too large for the connection.

import test from 'ava';
import { createHooks } from '../../core/hooks.js';
import { answerText } from '../../core/rpc/answer-text.js';
import { Dispatcher } from '../../core/rpc/dispatcher.js';
import { defineMethod, MethodRegistry } from '../../core/rpc/registry.js';

function dispatcher(): { dispatcher: Dispatcher; seen: unknown[] } {
  const registry = new MethodRegistry();
  const seen: unknown[] = [];
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
  return { dispatcher: new Dispatcher(registry, createHooks()), seen };
}

const answer = (text: string) => dispatcher().dispatcher.handleText(text, { transport: 'internal' }) as Promise<any>;

test('"id": null is answered with null; a missing id is a notification, alone or in a batch', async (t) => {
  t.deepEqual(await answer('{"jsonrpc":"2.0","method":"echo","params":[1],"id":null}'), {
    jsonrpc: '2.0',
    id: null,
    result: [1],
  });
  t.is(await answer('{"jsonrpc":"2.0","method":"echo","params":[1]}'), undefined);
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
  ];
  for (const [text, id] of cases) {
    const refused = await answer(text);
    t.deepEqual([refused.id, refused.error.code], [id, -32600], text);
  }
});

test('a non-finite number anywhere in params is refused naming the member, and never reaches the handler', async (t) => {
  const { dispatcher: subject, seen } = dispatcher();
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

test('an answer larger than the limit is sent as -32603 in its place, each member of a batch alike', (t) => {
  const big = { jsonrpc: '2.0', id: 1, result: 'x'.repeat(5000) };
  const small = { jsonrpc: '2.0', id: 2, result: 'x' };
  t.regex(JSON.parse(answerText(big, 4096)).error.message, /^answer too large: 50\d\d bytes/);
  const batch = JSON.parse(answerText([big, small], 4096));
  t.deepEqual(
    batch.map((one: any) => [one.id, one.error?.code ?? one.result]),
    [
      [1, -32603],
      [2, 'x'],
    ],
  );
  t.is(JSON.parse(answerText(big)).result.length, 5000);
});
