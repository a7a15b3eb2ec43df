// The wire protocol as a raw client sees it: JSON-RPC 2.0 over newline-
// delimited JSON on the real daemon's unix socket. Raw lines, so the number
// literals are exactly as written. What the dispatcher decides alone (which
// ids are echoed, what an invalid request is, params JSON cannot carry) is
// checked case by case in test/unit/rpc/dispatcher.test.ts; here, what only
// the socket shows: lines, pipelining, connections, real plugins and limits.

import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
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

test('requests, errors, notifications and batches follow JSON-RPC 2.0', async (t) => {
  const daemon = await startDaemon(t);
  const raw = await open(t, daemon);

  const status = await raw.request({ jsonrpc: '2.0', method: 'daemon.status', id: 1 });
  t.is(status.jsonrpc, '2.0');
  t.is(status.id, 1);
  t.is(status.result.pid, daemon.pid);

  raw.send('{"jsonrpc":"2.0","method":\n');
  t.deepEqual(await raw.read(), [{ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }]);

  const unknown = await raw.request({ jsonrpc: '2.0', method: 'no.such', id: 4 });
  t.deepEqual(unknown, { jsonrpc: '2.0', id: 4, error: { code: -32601, message: 'Method not found: no.such' } });
  const invalid = await raw.request({ jsonrpc: '2.0', method: 'system.methodHelp', params: { method: 7 }, id: 5 });
  t.is(invalid.error.code, -32602);
  t.regex(invalid.error.message, /params\.method must be string/);
  const missing = await raw.request({
    jsonrpc: '2.0',
    method: 'system.methodHelp',
    params: { method: 'no.such' },
    id: 6,
  });
  t.is(missing.error.code, -32602);

  // A notification is never answered: the next answer is the following request's.
  raw.send(JSON.stringify({ jsonrpc: '2.0', method: 'daemon.status' }) + '\n');
  raw.send(JSON.stringify({ jsonrpc: '2.0', method: 'no.such' }) + '\n');
  t.is((await raw.request({ jsonrpc: '2.0', method: 'system.listMethods', id: 7 })).id, 7);

  t.deepEqual(await raw.request([]), { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null });
  const batch = await raw.request([
    { jsonrpc: '2.0', method: 'system.methodHelp', params: { method: 'daemon.status' }, id: 'a' },
    { jsonrpc: '2.0', method: 'daemon.status' },
    { jsonrpc: '2.0', method: 'no.such', id: 'b' },
    1,
    [],
  ]);
  t.true(Array.isArray(batch));
  t.is(batch.length, 4);
  const byId = new Map(batch.map((answer: any) => [answer.id, answer]));
  t.regex((byId.get('a') as any).result, /uptime/);
  t.is((byId.get('b') as any).error.code, -32601);
  t.deepEqual(
    batch.filter((answer: any) => answer.id === null).map((answer: any) => answer.error.code),
    [-32600, -32600],
  );

  // An all-notification batch gets no answer at all.
  raw.send(JSON.stringify([{ jsonrpc: '2.0', method: 'daemon.status' }]) + '\n');
  t.is((await raw.request({ jsonrpc: '2.0', method: 'daemon.status', id: 8 })).id, 8);
});

test('pipelined requests on one connection are all answered, matched by id', async (t) => {
  const daemon = await startDaemon(t);
  const raw = await open(t, daemon);
  const count = 256; // The default bound on calls in flight per connection.
  raw.send(
    Array.from(
      { length: count },
      (_, id) => JSON.stringify({ jsonrpc: '2.0', method: 'system.listMethods', id }) + '\n',
    ).join(''),
  );
  const answers = await raw.read(count);
  t.deepEqual(
    answers.map((answer) => answer.id).sort((a, b) => a - b),
    Array.from({ length: count }, (_, id) => id),
  );
  t.true(answers.every((answer) => Array.isArray(answer.result)));
});

test('200 concurrent connections are all served', async (t) => {
  const daemon = await startDaemon(t);
  const sockets = await Promise.all(Array.from({ length: 200 }, () => open(t, daemon)));
  const answers = await Promise.all(
    sockets.map((raw, id) => raw.request({ jsonrpc: '2.0', method: 'daemon.status', id })),
  );
  t.true(answers.every((answer, id) => answer.id === id && answer.result.pid === daemon.pid));
});

test('a line over 1 MiB gets -32600 and closes that connection only', async (t) => {
  const daemon = await startDaemon(t);
  const other = await open(t, daemon);
  const raw = await open(t, daemon);
  raw.send('{"jsonrpc":"2.0","method":"echo","params":["' + 'x'.repeat(1024 * 1024 + 10));
  const [answer] = await raw.read();
  t.is(answer.error.code, -32600);
  t.is(answer.id, null);
  await t.throwsAsync(raw.read(1, 5000), { message: /closed/ });
  t.is((await other.request({ jsonrpc: '2.0', method: 'daemon.status', id: 1 })).id, 1);
});

test('thousands of malformed or random lines leave the daemon answering', async (t) => {
  // All 10,000 lines are pipelined at once: lift the in-flight bound so none is refused with -32005 (limits.test.ts checks that).
  const daemon = await startDaemon(t, { config: { limits: { maxInFlightPerConnection: 20_000 } } });
  const raw = await open(t, daemon);
  const junk = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json(),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .record({
        jsonrpc: fc.oneof(fc.constant('2.0'), fc.anything()),
        method: fc.oneof(
          fc.constantFrom('daemon.status', 'system.methodHelp', 'no.such', 'plugins.reload'),
          fc.anything(),
        ),
        params: fc.anything(),
        id: fc.anything(),
      })
      .map((value) => JSON.stringify(value) ?? 'null'),
  );
  const lines = fc
    .sample(junk, { numRuns: 10_000, seed: 42 })
    .map((line) => line.replaceAll('\n', ' '))
    .filter((line) => !/"method":"(daemon\.stop|plugins\.(unload|load))"/.test(line));
  raw.send(lines.join('\n') + '\n');
  const answer = await raw.request({ jsonrpc: '2.0', method: 'daemon.status', id: 'last' });
  // Answers to the junk come first; read until ours.
  let last = answer;
  while (last.id !== 'last') [last] = await raw.read(1);
  t.is(last.result.pid, daemon.pid);
  const fresh = await open(t, daemon);
  t.is((await fresh.request({ jsonrpc: '2.0', method: 'daemon.status', id: 1 })).result.pid, daemon.pid);
});

test('a number literal outside the double range is refused by a plugin method or a built-in with -32602 naming the member; 1e308 reaches the plugin and comes back exact', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'calc.plugin.js': CALC } });
  const raw = await open(t, daemon);
  const typed = await line(raw, '{"jsonrpc":"2.0","method":"calc.add","params":{"a":1e999,"b":1},"id":1}');
  t.is(typed.id, 1);
  t.is(typed.error.code, -32602);
  t.regex(typed.error.message, /params\.a\b/);
  const builtin = await line(
    raw,
    '{"jsonrpc":"2.0","method":"plugins.status","params":{"name":"calc","x":1e999},"id":4}',
  );
  t.is(builtin.error.code, -32602);
  // A notification that carries one is dropped unanswered: the next answer is the next request's.
  raw.send('{"jsonrpc":"2.0","method":"calc.echo","params":[1e999]}\n');
  t.is((await line(raw, '{"jsonrpc":"2.0","method":"calc.add","params":{"a":1e308,"b":1},"id":5}')).result, 1e308);
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
