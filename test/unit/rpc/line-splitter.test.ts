import test from 'ava';
import fc from 'fast-check';
import { LineSplitter } from '../../../core/rpc/line-splitter.js';

function split(chunks: Buffer[], max = 1 << 20): { lines: string[]; overflowed: boolean } {
  const lines: string[] = [];
  let overflowed = false;
  const splitter = new LineSplitter(max, { line: (text) => lines.push(text), overflow: () => (overflowed = true) });
  for (const chunk of chunks) splitter.push(chunk);
  return { lines, overflowed };
}

test('any chunking of newline-separated text yields the same lines', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replaceAll('\n', ''))),
      fc.array(fc.nat(50)),
      (lines, cuts) => {
        const bytes = Buffer.from(lines.map((line) => line + '\n').join(''));
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points, bytes.length]
          .slice(1)
          .map((end, index, ends) => bytes.subarray(index === 0 ? 0 : ends[index - 1], end));
        t.deepEqual(split(chunks).lines, lines);
      },
    ),
  );
});

test('a line longer than the bound overflows once, even before its newline arrives', (t) => {
  const { lines, overflowed } = split(
    [Buffer.from('ok\n'), Buffer.from('x'.repeat(20)), Buffer.from('yyy\nmore\n')],
    10,
  );
  t.deepEqual(lines, ['ok']);
  t.true(overflowed);
});

test('a line of exactly the bound passes', (t) => {
  t.deepEqual(split([Buffer.from('x'.repeat(10) + '\n')], 10).lines, ['x'.repeat(10)]);
});
