// Reading a log file that grows: the lines appended between two sizes, for
// `plugd logs -f` and `plugd dev`, which follow the daemon's log.

import { closeSync, openSync, readSync } from 'node:fs';

/** The whole lines between `start` and `end` (after `partial`, the unfinished line read before), and the unfinished rest. */
export function readLines(
  path: string,
  start: number,
  end: number,
  partial = '',
): { complete: string[]; partial: string } {
  const buffer = Buffer.alloc(end - start);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = (partial + buffer.toString('utf8')).split('\n');
  const rest = lines.pop() ?? '';
  return { complete: lines.filter((line) => line.trim() !== ''), partial: rest };
}
