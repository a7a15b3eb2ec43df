// The wire protocol as a raw client sees it: JSON-RPC 2.0 over newline-
// delimited JSON on the real daemon's unix socket.

import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawSocket } from '../helpers/raw-socket.js';

async function open(t: ExecutionContext, daemon: TestDaemon): Promise<RawSocket> {
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  return raw;
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

  t.is((await raw.request({ jsonrpc: '2.0', method: 1, id: 2 })).error.code, -32600);
  t.is((await raw.request({ jsonrpc: '1.0', method: 'daemon.status', id: 3 })).error.code, -32600);
  t.is((await raw.request('a string')).error.code, -32600);
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
