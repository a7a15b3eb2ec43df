// No client input may make the daemon exit (issue 14, item 1): every shape of
// hostile params (deep, wide, huge strings, cyclic-looking keys, number
// literals outside the double range, written as raw text) sent over the real
// socket to a schema-less plugin method, a typed one and built-ins is
// answered; and once the call deadline has passed (a failed send must leave
// no call pending whose deadline rejects with nobody listening), the same
// daemon still answers.

import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawSocket } from '../helpers/raw-socket.js';

const CALL_TIMEOUT_MS = 300;

const CALC = `export default { setup(ctx) {
  ctx.rpc.method('add', { params: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } }, ({ a, b }) => a + b);
  ctx.rpc.method('forever', {}, () => new Promise(() => undefined));
} }`;

/** Keys that mean something to JavaScript or to JSON Schema tools. */
const KEY = fc.constantFrom('__proto__', 'constructor', 'prototype', '$ref', '$id', 'toJSON', 'valueOf', 'a', '');

const scalar = fc.oneof(
  fc.constantFrom(
    '1e999',
    '-1e999',
    '1e400',
    '-0',
    '5e-324',
    '1.7976931348623157e308',
    '123456789012345678901234567890',
    'null',
    'true',
  ),
  fc.constantFrom('"\\ud800"', '"\\u0000"', '"#"', '"#/definitions/x"'),
  fc.string({ maxLength: 20 }).map((text) => JSON.stringify(text)),
  fc.integer({ min: 10_000, max: 300_000 }).map((length) => JSON.stringify('x'.repeat(length))),
);

/** Raw JSON text: nested containers whose keys and leaves are the hostile ones above. */
const { value } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(KEY, tie('value')), { maxLength: 4 })
      .map((members) => `{${members.map(([key, item]) => `${JSON.stringify(key)}:${item}`).join(',')}}`),
    fc.constant('{"$ref":"#","__proto__":{"$ref":"#/"},"constructor":{"prototype":{"polluted":true}}}'),
  ),
}));

const deep = fc
  .tuple(fc.oneof(fc.constantFrom(5_000, 50_000), fc.integer({ min: 1_000, max: 20_000 })), fc.boolean(), scalar)
  .map(([depth, asArray, inner]) =>
    asArray ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth),
  );

const wide = fc
  .tuple(fc.integer({ min: 1_000, max: 20_000 }), fc.constantFrom('1', '1e999', '{}', '"v"'), fc.boolean())
  .map(([width, item, asArray]) =>
    asArray
      ? `[${Array(width).fill(item).join(',')}]`
      : `{${Array.from({ length: width }, (_, index) => `"k${index}":${item}`).join(',')}}`,
  );

/** Params as sent: mostly an object or an array (a request), sometimes not (an invalid one). */
const params = fc
  .oneof(
    deep,
    wide,
    value,
    deep.map((text) => `{"a":${text},"b":1}`),
    value.map((text) => `[${text}]`),
  )
  .filter((text) => text.length < 900_000);

const METHODS = [
  'echo.echo',
  'echo.say',
  'calc.add',
  'daemon.status',
  'system.methodHelp',
  'system.methodSignature',
  'system.getCapabilities',
  'plugins.status',
  'plugins.reload',
  'rpc.discover',
  'system.multicall',
];

/** The example plugins (echo.echo takes any params, echo.say is typed) and calc, with a short call deadline. */
async function start(t: ExecutionContext): Promise<{ daemon: TestDaemon; raw: RawSocket }> {
  const daemon = await startDaemon(t, {
    examples: true,
    plugins: { 'calc.plugin.js': CALC },
    config: { supervision: { callTimeoutMs: CALL_TIMEOUT_MS } },
  });
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  return { daemon, raw };
}

test('hostile params to plugin methods and built-ins are answered, and the daemon outlives the call deadline', async (t) => {
  t.timeout(60_000);
  const { daemon, raw } = await start(t);
  let id = 0;
  const run = await fc.check(
    fc.asyncProperty(params, async (text) => {
      // Every method gets the same params; through multicall they reach echo.echo from inside a built-in.
      const ids = METHODS.map((method) => {
        const sent = method === 'system.multicall' ? `[[{"methodName":"echo.echo","params":${text}}]]` : text;
        raw.send(`{"jsonrpc":"2.0","method":"${method}","params":${sent},"id":${++id}}\n`);
        return id;
      });
      const answers = await raw.read(ids.length, 30_000);
      const answered = new Set(
        answers.filter((answer) => 'result' in answer || 'error' in answer).map((answer) => answer.id),
      );
      return ids.every((sent) => answered.has(sent));
    }),
    { numRuns: 40, endOnFailure: true },
  );
  // fast-check's own report would print the whole (huge) counterexample.
  const counterexample = run.counterexample
    ? `${String(run.counterexample[0]).slice(0, 120)}… (${String(run.counterexample[0]).length} chars)`
    : '';
  t.false(
    run.failed,
    `seed ${run.seed}, path ${run.counterexamplePath}: ${run.errorInstance ?? 'property false'} for ${counterexample}`,
  );
  // A call that outlives its deadline: once it has its -32003, any call left pending by a failed send has expired too.
  const expired = await raw.request({ jsonrpc: '2.0', method: 'calc.forever', id: 'late' });
  t.is(expired.error.code, -32003);
  const status = await raw.request({ jsonrpc: '2.0', method: 'daemon.status', id: 'after' });
  t.is(status.result.pid, daemon.pid);
  t.is(daemon.child.exitCode, null);
});

test('params nested 5,000 deep to a schema-less plugin method are refused at once, and leave nothing pending', async (t) => {
  const { daemon, raw } = await start(t);
  raw.send(`{"jsonrpc":"2.0","method":"echo.echo","params":${'['.repeat(5000)}${']'.repeat(5000)},"id":1}\n`);
  const [refused] = await raw.read(1);
  t.is(refused.id, 1);
  t.is(refused.error.code, -32602);
  t.regex(refused.error.message, /echo\.echo: params cannot be sent: .*call stack/);
  t.is((await raw.request({ jsonrpc: '2.0', method: 'calc.forever', id: 2 })).error.code, -32003);
  t.is((await raw.request({ jsonrpc: '2.0', method: 'daemon.status', id: 3 })).result.pid, daemon.pid);
});
