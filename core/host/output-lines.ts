// A plugin's standard output or error, cut into lines for the log, in bounded
// memory: a line longer than OUTPUT_LINE_BYTES is cut there (the rest of it,
// up to its newline, is dropped), so a plugin that writes gigabytes without a
// newline costs the daemon one line's worth. readline would buffer it whole.

import type { Readable } from 'node:stream';
import { LineCutter } from './exec-lines.js';

/** Keeps the log record that carries a line (with its plugin, stream and time) within the log's 64 KiB a line. */
export const OUTPUT_LINE_BYTES = 63 * 1024;

/** Calls `line` with each line of `stream` (without its newline), and whether it was cut. */
export function readOutputLines(stream: Readable, line: (text: string, cut: boolean) => void): void {
  const cutter = new LineCutter(
    OUTPUT_LINE_BYTES,
    (text) => line(text, false),
    (head) => line(head, true),
  );
  stream.on('data', (chunk: Buffer) => cutter.push(chunk));
  stream.on('end', () => cutter.end());
}
