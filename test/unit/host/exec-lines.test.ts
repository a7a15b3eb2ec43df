// The stdio plugin backend's lines, cut at the limit whatever the chunks.

import test from 'ava';
import { LineCutter } from '../../../core/host/exec-lines.js';

test('lines are cut at the limit, whatever the chunks', (t) => {
  const lines: string[] = [];
  const tooLong: string[] = [];
  const cutter = new LineCutter(
    8,
    (line) => lines.push(line),
    (head) => tooLong.push(head),
  );
  cutter.push(Buffer.from('ab'));
  cutter.push(Buffer.from('c\r\nde\n\n12345'));
  cutter.push(Buffer.from('6789abcdef'));
  cutter.push(Buffer.from('ghij\nok\n'));
  t.deepEqual(lines, ['abc', 'de', '', 'ok']);
  t.deepEqual(tooLong, ['12345678']);
});

test('a last line without its newline is a line at the end; a cut one is not told twice', (t) => {
  const lines: string[] = [];
  const tooLong: string[] = [];
  const cutter = new LineCutter(
    4,
    (line) => lines.push(line),
    (head) => tooLong.push(head),
  );
  cutter.push(Buffer.from('one\nlast'));
  cutter.end();
  t.deepEqual(lines, ['one', 'last']);
  const cut = new LineCutter(
    4,
    (line) => lines.push(line),
    (head) => tooLong.push(head),
  );
  cut.push(Buffer.from('toolong'));
  cut.end();
  t.deepEqual(lines, ['one', 'last']);
  t.deepEqual(tooLong, ['tool']);
});
