// A plugin's stdout or stderr for the log: lines in bounded memory, a long one cut and marked.

import test from 'ava';
import { PassThrough } from 'node:stream';
import { OUTPUT_LINE_BYTES, readOutputLines } from '../../../core/host/output-lines.js';

test('each line once, a CRLF line without its CR, a long line cut at the limit and marked, the last line at the end', async (t) => {
  const stream = new PassThrough();
  const seen: Array<[string, boolean]> = [];
  readOutputLines(stream, (text, cut) => seen.push([text, cut]));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  stream.write('first\r\nsec');
  stream.write('ond\n');
  stream.write('x'.repeat(OUTPUT_LINE_BYTES + 10) + '\nafter');
  stream.end();
  await ended;
  t.deepEqual(seen, [
    ['first', false],
    ['second', false],
    ['x'.repeat(OUTPUT_LINE_BYTES), true],
    ['after', false],
  ]);
});
