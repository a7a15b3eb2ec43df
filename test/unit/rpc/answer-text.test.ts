// The answer text: a plugin's result spliced into the answer line as the JSON
// text it crossed the channel as, never parsed on the way; an answer too large
// for the connection sent as an error in its place.

import test from 'ava';
import fc from 'fast-check';
import { answerText } from '../../../core/rpc/answer-text.js';
import { RawJson } from '../../../core/rpc/raw-json.js';

test('an answer with a JSON-text result reads as the answer with the value', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), fc.jsonValue(), (id, value) => {
      const spliced = answerText({ jsonrpc: '2.0', id, result: new RawJson(JSON.stringify(value)) });
      t.is(spliced, JSON.stringify({ jsonrpc: '2.0', id, result: value }));
    }),
    { numRuns: 300 },
  );
});

test('a batch splices each JSON-text result; an enclosing value (a multicall) parses it', (t) => {
  const batch = answerText([
    { jsonrpc: '2.0', id: 1, result: new RawJson('{"a":[1,2]}') },
    { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } },
    { jsonrpc: '2.0', id: 3, result: [[new RawJson('"x"')], { faultCode: -32602 }] },
  ]);
  t.deepEqual(JSON.parse(batch), [
    { jsonrpc: '2.0', id: 1, result: { a: [1, 2] } },
    { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } },
    { jsonrpc: '2.0', id: 3, result: [['x'], { faultCode: -32602 }] },
  ]);
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
