// `plugd logs [-n N] [-f] [PLUGIN...] [--level L] [--json]`: the daemon's log
// (pino JSON lines), the records of some plugins only, at a level and above,
// the last N, followed if asked. Pretty on a terminal, the JSON lines as they
// are with --json or when piped.

import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import { existsSync, statSync, watchFile } from 'node:fs';
import { readLines } from './log-file-lines.js';
import { NotFoundError } from '../contract/errors.js';

/** pino's levels. */
export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;

export interface LogsOptions {
  /** The last this many records (of those that pass the filters); all when undefined. */
  last?: number;
  follow: boolean;
  /** Only the records of these plugins; every record when empty. */
  plugins: string[];
  level?: LogLevel;
  json: boolean;
}

interface LogRecord {
  level?: number;
  plugin?: string;
}

export async function printLogs(path: string, options: LogsOptions): Promise<void> {
  if (!existsSync(path)) throw new NotFoundError(`no log at ${path}`);
  const show = recordPrinter(options.json || !process.stdout.isTTY);
  const wanted = recordFilter(options);
  let offset = statSync(path).size;
  let lines = readLines(path, 0, offset).complete.filter(wanted);
  if (options.last !== undefined) lines = options.last === 0 ? [] : lines.slice(-options.last);
  lines.forEach(show);
  if (!options.follow) return;
  let partial = '';
  watchFile(path, { interval: 250 }, () => {
    const size = statSync(path).size;
    if (size < offset) [offset, partial] = [0, '']; // Rotated or truncated: start over.
    if (size <= offset) return;
    const read = readLines(path, offset, size, partial);
    offset = size;
    partial = read.partial;
    read.complete.filter(wanted).forEach(show);
  });
  await new Promise(() => undefined); // Until Ctrl-C.
}

function parse(line: string): LogRecord | undefined {
  try {
    const record = JSON.parse(line);
    return record !== null && typeof record === 'object' ? record : undefined;
  } catch {
    return undefined;
  }
}

function recordFilter({ plugins, level }: LogsOptions): (line: string) => boolean {
  if (plugins.length === 0 && level === undefined) return () => true;
  const minimum = level === undefined ? 0 : LOG_LEVELS[level];
  return (line) => {
    const record = parse(line);
    if (!record) return false;
    if ((record.level ?? 0) < minimum) return false;
    return plugins.length === 0 || (record.plugin !== undefined && plugins.includes(record.plugin));
  };
}

/** Each line as it is, or made readable by pino-pretty (loaded only for a terminal), as the foreground daemon shows it. */
function recordPrinter(asJson: boolean): (line: string) => void {
  if (asJson) return (line) => process.stdout.write(line + '\n');
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const pretty = prettyFactory({ colorize: true });
  return (line) => process.stdout.write(parse(line) ? pretty(line) : line + '\n');
}
