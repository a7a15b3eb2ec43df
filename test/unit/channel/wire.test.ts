// The channel's wire text: a plugin's result crosses from the worker as JSON
// text, never parsed on the way (rpc/answer-text.test.ts splices it into the
// answer line).

import test from 'ava';
import fc from 'fast-check';
import type { ChannelMessage } from '../../../core/channel/protocol.js';
import { decodeMessage, encodeMessage } from '../../../core/channel/wire.js';

/** Encodes as the writer does, with bytes around it as a ring has, and decodes as the reader does. */
function roundTrip(message: ChannelMessage): ChannelMessage {
  const text = encodeMessage(message);
  const bytes = Buffer.from(`junk${text}junk`);
  return decodeMessage(bytes, 4, bytes.length - 4);
}

const jsonText = fc.jsonValue().map((value) => JSON.stringify(value));

test('results cross as their JSON text, with any id and any JSON (unicode included)', (t) => {
  fc.assert(
    fc.property(fc.nat(), fc.oneof(jsonText, fc.json({ depthSize: 'small' })), (id, json) => {
      const message: ChannelMessage = { t: 'result', id, json };
      t.deepEqual(roundTrip(message), message);
    }),
    { numRuns: 500 },
  );
  t.deepEqual(roundTrip({ t: 'result', id: 3, json: '"ü € 😀 R 1 "' }), { t: 'result', id: 3, json: '"ü € 😀 R 1 "' });
});

test('calls cross with their params parsed back, absent params staying absent', (t) => {
  fc.assert(
    fc.property(fc.nat(), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/), fc.jsonValue(), (id, method, params) => {
      t.deepEqual(roundTrip({ t: 'call', id, method, params }), {
        t: 'call',
        id,
        method,
        params: JSON.parse(JSON.stringify(params)),
      });
    }),
    { numRuns: 300 },
  );
  t.is((roundTrip({ t: 'call', id: 1, method: 'ping', params: undefined }) as { params: unknown }).params, undefined);
});

test('signals, hooks and errors cross as their JSON', (t) => {
  const messages: ChannelMessage[] = [
    { t: 'error', id: 2, error: { code: -32603, message: 'echo: kaboom', data: { plugin: 'echo' } } },
    { t: 'signal', signal: 'SIGUSR2' },
    { t: 'hook', hook: 'reload', args: [{ plugins: ['echo'] }] },
  ];
  for (const message of messages) t.deepEqual(roundTrip(message), message);
});
