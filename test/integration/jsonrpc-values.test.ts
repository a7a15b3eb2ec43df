// What goes in comes out unchanged, or is refused: ids echoed as sent (null
// included), params that JSON cannot carry refused with the member named,
// and answers too large for the connection answered with an error. Raw lines
// over the real socket, so the number literals are exactly as written.

import test, { type ExecutionContext } from 'ava';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawSocket } from '../helpers/raw-socket.js';

const CALC = `export default { setup(ctx) {
  ctx.rpc.method('add', { params: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
    ({ a, b }) => a + b);
  ctx.rpc.method('echo', {}, (params) => params);
  ctx.rpc.method('big', {}, ({ bytes }) => 'x'.repeat(bytes));
} }`;

async function open(t: ExecutionContext, daemon: TestDaemon): Promise<RawSocket> {
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  return raw;
}

async function line(raw: RawSocket, text: string): Promise<any> {
  raw.send(text + '\n');
  return (await raw.read(1))[0];
}

test('"id": null is a request answered with "id": null; only a missing id makes a notification, in a batch too', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'calc.plugin.js': CALC } });
  const raw = await open(t, daemon);
  const answer = await line(raw, '{"jsonrpc":"2.0","method":"daemon.status","id":null}');
  t.is(answer.id, null);
  t.is(answer.result.pid, daemon.pid);
  const failed = await line(raw, '{"jsonrpc":"2.0","method":"no.such","id":null}');
  t.deepEqual(failed, { jsonrpc: '2.0', id: null, error: { code: -32601, message: 'Method not found: no.such' } });

  const batch = await line(
    raw,
    '[{"jsonrpc":"2.0","method":"calc.add","params":{"a":1,"b":2},"id":null},' +
      '{"jsonrpc":"2.0","method":"calc.add","params":{"a":1,"b":2}},' +
      '{"jsonrpc":"2.0","method":"calc.add","params":{"a":2,"b":2},"id":"x"}]',
  );
  t.deepEqual(
    batch.map((one: any) => [one.id, one.result]),
    [
      [null, 3],
      ['x', 4],
    ],
  );
});

test('a number literal outside the double range is refused with -32602 naming the member, never passed on', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'calc.plugin.js': CALC } });
  const raw = await open(t, daemon);
  const typed = await line(raw, '{"jsonrpc":"2.0","method":"calc.add","params":{"a":1e999,"b":1},"id":1}');
  t.is(typed.id, 1);
  t.is(typed.error.code, -32602);
  t.regex(typed.error.message, /params\.a\b/);
  const untyped = await line(raw, '{"jsonrpc":"2.0","method":"calc.echo","params":{"list":[1,-1e999]},"id":2}');
  t.is(untyped.error.code, -32602);
  t.regex(untyped.error.message, /params\.list\[1\]/);
  const positional = await line(raw, '{"jsonrpc":"2.0","method":"calc.echo","params":[1e400],"id":3}');
  t.regex(positional.error.message, /params\[0\]/);
  const builtin = await line(
    raw,
    '{"jsonrpc":"2.0","method":"plugins.status","params":{"name":"calc","x":1e999},"id":4}',
  );
  t.is(builtin.error.code, -32602);
  // A notification that carries one is dropped unanswered: the next answer is the next request's.
  raw.send('{"jsonrpc":"2.0","method":"calc.echo","params":[1e999]}\n');
  t.is((await line(raw, '{"jsonrpc":"2.0","method":"calc.add","params":{"a":1e308,"b":1},"id":5}')).result, 1e308);
});

test('an id that cannot be echoed back unchanged gets -32600 with "id": null', async (t) => {
  const daemon = await startDaemon(t);
  const raw = await open(t, daemon);
  const answer = await line(raw, '{"jsonrpc":"2.0","method":"daemon.status","id":1e400}');
  t.is(answer.id, null);
  t.is(answer.error.code, -32600);
  const batch = await line(
    raw,
    '[{"jsonrpc":"2.0","method":"daemon.status","id":-1e400},{"jsonrpc":"2.0","method":"daemon.status","id":2}]',
  );
  t.deepEqual(
    batch.map((one: any) => [one.id, one.error?.code ?? 'ok']),
    [
      [null, -32600],
      [2, 'ok'],
    ],
  );
});

test('an invalid request is answered with its id whenever that id is valid', async (t) => {
  const daemon = await startDaemon(t);
  const raw = await open(t, daemon);
  const scalar = await line(raw, '{"jsonrpc":"2.0","method":"echo.echo","params":42,"id":7}');
  t.deepEqual([scalar.id, scalar.error.code], [7, -32600]);
  t.regex(scalar.error.message, /params/);
  const version = await line(raw, '{"jsonrpc":"1.0","method":"daemon.status","id":"v"}');
  t.deepEqual([version.id, version.error.code], ['v', -32600]);
  const method = await line(raw, '{"jsonrpc":"2.0","method":7,"id":null}');
  t.deepEqual([method.id, method.error.code], [null, -32600]);
  const badId = await line(raw, '{"jsonrpc":"2.0","method":"daemon.status","id":{"a":1}}');
  t.deepEqual([badId.id, badId.error.code], [null, -32600]);
});

test('an answer over the write limit answers -32603 "answer too large" and keeps the connection', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'calc.plugin.js': CALC },
    config: { limits: { maxPendingWriteBytes: 4096 } },
  });
  const raw = await open(t, daemon);
  const answer = await line(raw, '{"jsonrpc":"2.0","method":"calc.big","params":{"bytes":100000},"id":1}');
  t.is(answer.id, 1);
  t.is(answer.error.code, -32603);
  t.regex(answer.error.message, /answer too large/);
  t.is((await line(raw, '{"jsonrpc":"2.0","method":"calc.big","params":{"bytes":10},"id":2}')).result, 'x'.repeat(10));
});
