// A plugin's standard output or error, cut into lines for the log, in bounded
// memory: a line longer than OUTPUT_LINE_BYTES is cut there (the rest of it,
// up to its newline, is dropped), so a plugin that writes gigabytes without a
// newline costs the daemon one line's worth. readline would buffer it whole.

import type { Readable } from 'node:stream';

/** Keeps the log record that carries a line (with its plugin, stream and time) within the log's 64 KiB a line. */
export const OUTPUT_LINE_BYTES = 63 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Calls `line` with each line of `stream` (without its newline), and whether it was cut. */
export function readOutputLines(stream: Readable, line: (text: string, cut: boolean) => void): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** The current line was cut: skip to its newline. */
  let skipping = false;

  const emit = (last: Buffer, cut: boolean): void => {
    pending.push(last);
    let bytes = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    if (!cut && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, -1);
    line(bytes.toString('utf8'), cut);
  };

  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!skipping) {
        const room = OUTPUT_LINE_BYTES - pendingBytes;
        if (end - start > room) {
          emit(chunk.subarray(start, start + room), true);
          skipping = true;
        } else if (newline !== -1) {
          emit(chunk.subarray(start, end), false);
        } else {
          pending.push(chunk.subarray(start, end));
          pendingBytes += end - start;
        }
      }
      if (newline === -1) break;
      skipping = false;
      start = newline + 1;
    }
  });
  stream.on('end', () => {
    if (pendingBytes > 0) emit(Buffer.alloc(0), false);
  });
}
