// The fault and abuse suite: fuzzed JSON-RPC checked answer by answer against
// the spec, a flood of connections, a plugin that floods its channel, and
// concurrent reloads, unloads and a stop. Each checks that the daemon stays
// up, the other clients are served, and every request that got through gets
// exactly one answer.

import test from 'ava';
import fc from 'fast-check';
import { startBurners, SUITE_BURNERS } from '../helpers/burners.js';
import { startDaemon } from '../helpers/daemon.js';
import { RawSocket } from '../helpers/raw-socket.js';

// PLUGD_TEST_BURNERS=8 runs the whole suite beside that many busy processes (issue 21: fair on a loaded machine).
if (SUITE_BURNERS > 0) {
  const stops: Array<() => void> = [];
  test.before(() => void stops.push(startBurners((undo) => (stops.push(undo), () => undefined), SUITE_BURNERS)));
  test.after.always(() => stops.forEach((stop) => stop()));
}

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));
const junkValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
  fc.bigInt().map((big) => ({ raw: `${big}` })), // huge numbers, written as JSON number text below
);
/** Requests that are valid, nearly valid, or wrong in one member at a time. */
const request = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), junkValue),
    method: fc.oneof(
      fc.constantFrom('daemon.status', 'system.methodHelp', 'echo.say', 'echo.echo', 'no.such', 'rpc.discover'),
      junkValue,
    ),
    params: fc.oneof(fc.constant({ text: 'x' }), fc.constant({ method: 'echo.say' }), junkValue),
    id: fc.oneof(id, id, junkValue),
  },
  { requiredKeys: [] },
);
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const line = fc.oneof(
  { weight: 6, arbitrary: request.map((value) => JSON.stringify(value).replace(/\{"raw":"(-?\d+)"\}/g, '$1')) },
  { weight: 2, arbitrary: fc.array(request, { maxLength: 4 }).map((batch) => JSON.stringify(batch)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((text) => text.replace(/[\n\r]/g, ' ')) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map(nested) },
);

const isValidRequest = (request: any) =>
  request !== null &&
  typeof request === 'object' &&
  !Array.isArray(request) &&
  request.jsonrpc === '2.0' &&
  typeof request.method === 'string' &&
  (request.params === undefined || (request.params !== null && typeof request.params === 'object')) &&
  (request.id === undefined || isValidId(request.id));
const isValidId = (id: unknown) =>
  id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
/** Only a missing id makes a notification: `"id": null` is a request. */
const isNotification = (request: any) => isValidRequest(request) && request.id === undefined;

/** Whether the spec owes an answer to `text`. */
function owed(text: string): boolean {
  if (text.trim() === '') return false; // Blank lines are framing (keep-alives), not messages.
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    return true;
  }
  if (!Array.isArray(parsed)) return !isNotification(parsed);
  return parsed.length === 0 || !parsed.every(isNotification);
}

/** Whether `answer` is what the spec allows for `text`. */
function conforms(text: string, answer: any): boolean {
  const shaped = (reply: any) =>
    reply?.jsonrpc === '2.0' &&
    'result' in reply !== 'error' in reply &&
    (!reply.error || Number.isInteger(reply.error.code));
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    return answer?.error?.code === -32700 && answer.id === null;
  }
  // An invalid request is answered with its own id when that id is valid.
  const invalidId = (request: any) =>
    request !== null && typeof request === 'object' && isValidId(request.id) ? request.id : null;
  const one = (request: any, reply: any) =>
    shaped(reply) &&
    (isValidRequest(request)
      ? reply.id === request.id
      : reply.error?.code === -32600 && reply.id === invalidId(request));
  if (!Array.isArray(parsed)) return one(parsed, answer);
  if (parsed.length === 0) return answer?.error?.code === -32600;
  const owedMembers = parsed.filter((request) => !isNotification(request));
  return Array.isArray(answer) && answer.length === owedMembers.length && answer.every(shaped);
}

test('fuzzed JSON-RPC: every input gets a spec-conforming answer, and the daemon stays up', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  let inputs = 0;
  await fc.assert(
    fc.asyncProperty(line, async (text) => {
      const sentinel = `sentinel-${inputs++}`;
      // The sentinel tells "no answer" from "not yet": read until both are in.
      raw.send(text + '\n' + JSON.stringify({ jsonrpc: '2.0', method: 'system.listMethods', id: sentinel }) + '\n');
      const answers: any[] = [];
      let sawSentinel = false;
      while (!sawSentinel || answers.length < (owed(text) ? 1 : 0)) {
        const [next] = await raw.read(1);
        if (next.id === sentinel) sawSentinel = true;
        else answers.push(next);
      }
      return owed(text) ? answers.length === 1 && conforms(text, answers[0]) : answers.length === 0;
    }),
    { numRuns: 1500, seed: 7 },
  );
  t.log(`${inputs} fuzzed inputs`);
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
});

test('a flood of 1000 connections held at once is served, and all are answered', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const sockets = await Promise.all(Array.from({ length: 1000 }, () => RawSocket.open(daemon.socket)));
  t.teardown(() => sockets.forEach((raw) => raw.close()));
  t.is((await daemon.call('daemon.status')).connections, 1001);
  const answers = await Promise.all(
    sockets.map((raw, index) =>
      raw.request({ jsonrpc: '2.0', method: 'echo.say', params: { text: `${index}` }, id: index }),
    ),
  );
  t.true(answers.every((answer, index) => answer.result?.text === `${index}`));
});

test('a plugin that floods its channel with large answers delays nobody else and loses nothing, beside 8 busy processes', async (t) => {
  t.timeout(180_000);
  // Fair draining keeps the worker's heartbeat beating while it serves the burst, on a fraction of a core.
  if (SUITE_BURNERS === 0) startBurners(t, 8);
  const daemon = await startDaemon(t, {
    examples: true,
    // The test's own client gets a fraction of a core too: it reads its 48 MiB slowly, and is not a stalled reader.
    config: { limits: { slowReaderGraceMs: 120_000 } },
    plugins: {
      'flood.plugin.js': `export default { setup(ctx) {
        ctx.rpc.method('blob', {}, ({ n }) => ({ n, data: String(n % 10).repeat(1024 * 1024) }));
      } }`,
    },
  });
  const flooder = await daemon.client();
  const floods = Promise.all(Array.from({ length: 48 }, (_, n) => flooder.call<any>('flood.blob', { n })));
  const meanwhile = await Promise.all(Array.from({ length: 20 }, (_, n) => daemon.call('echo.say', { text: `${n}` })));
  t.deepEqual(
    meanwhile.map((answer: any) => answer.text),
    Array.from({ length: 20 }, (_, n) => `${n}`),
  );
  const blobs = await floods;
  t.true(
    blobs.every((blob, n) => blob.n === n && blob.data.length === 1024 * 1024 && blob.data[1000] === String(n % 10)),
  );
});

test('concurrent reloads, unloads, loads and a stop: every request gets exactly one answer', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  const requests = [
    ...Array.from({ length: 20 }, (_, n) => ({
      method: 'plugins.reload',
      params: { name: 'echo', force: true },
      id: `reload-${n}`,
    })),
    ...Array.from({ length: 50 }, (_, n) => ({ method: 'echo.say', params: { text: 'x' }, id: `call-${n}` })),
    { method: 'plugins.unload', params: { name: 'counter' }, id: 'unload' },
    { method: 'daemon.reload', id: 'rescan' },
    { method: 'plugins.reload', params: {}, id: 'rescan-all' },
  ];
  raw.send(requests.map((request) => JSON.stringify({ jsonrpc: '2.0', ...request }) + '\n').join(''));
  const answers = await raw.read(requests.length, 60_000);
  t.deepEqual(answers.map((answer) => answer.id).sort(), requests.map((request) => request.id).sort());
  const failed = answers.filter((answer) => answer.error && String(answer.id).startsWith('call-'));
  t.deepEqual(failed, [], 'no call fails because of a reload');
  const stop = await raw.request({ jsonrpc: '2.0', method: 'daemon.stop', id: 'stop' });
  t.deepEqual(stop.result, { stopping: true });
  t.is(await daemon.exited, 0);
});
