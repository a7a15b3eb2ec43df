// What `plugd dev` prints while it runs: each record of its daemon's log as
// one readable line (`reloaded mine in 23 ms`; `error: plugin mine failed to
// load: compile error: src/index.ts:3:20: ...`), a line repeated at once
// (one save seen twice) printed once.

import { existsSync, statSync, watchFile } from 'node:fs';
import { readLines } from './log-file-lines.js';

const WARN = 40;
const ERROR = 50;

/** Prints the records appended to the log at `path` from now on, as the daemon writes them. */
export function reportLog(path: string): void {
  let offset = existsSync(path) ? statSync(path).size : 0;
  let partial = '';
  let last = '';
  watchFile(path, { interval: 100 }, (now) => {
    if (now.size < offset) [offset, partial] = [0, ''];
    if (now.size <= offset) return;
    const read = readLines(path, offset, now.size, partial);
    offset = now.size;
    partial = read.partial;
    for (const line of read.complete) {
      const shown = readable(line);
      if (shown === undefined || shown === last) continue;
      last = shown;
      process.stdout.write(`${shown}\n`);
    }
  }).unref();
}

function readable(line: string): string | undefined {
  let record: { level?: number; msg?: unknown };
  try {
    record = JSON.parse(line);
  } catch {
    return line.trim() || undefined;
  }
  if (typeof record.msg !== 'string') return undefined;
  const level = record.level ?? 0;
  return `${level >= ERROR ? 'error: ' : level >= WARN ? 'warning: ' : ''}${record.msg.split('\n', 1)[0]}`;
}
