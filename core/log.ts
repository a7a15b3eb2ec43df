// The daemon's log: pino JSON lines in `$PLUGD_HOME/plugd.log`, and, in the
// foreground, on stdout too (pretty when stdout is a terminal). Workers send
// their lines already formatted; they are written as they are.

import { createRequire } from 'node:module';
import pino, { type Logger, type DestinationStream } from 'pino';

/** pino-pretty, loaded only for a terminal (a daemon in the background never needs it). */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pretty({ colorize: true, destination: 1, sync: true });
}

export interface DaemonLog {
  logger: Logger;
  /** Writes one JSON line produced elsewhere (a plugin's worker). */
  writeLine(line: string): void;
  /** Reopens the log file (after logrotate moved it). */
  reopen(): void;
  flush(): void;
}

export interface LogOptions {
  path: string;
  level?: string;
  /** Also write to stdout (foreground mode). */
  stdout: boolean;
  /** Also hands each line to this (the dashboard's live log). */
  tap?: (line: string) => void;
}

export function openLog(options: LogOptions): DaemonLog {
  const file = pino.destination({ dest: options.path, sync: false, mkdir: true });
  const streams: DestinationStream[] = [file];
  if (options.stdout) {
    streams.push(process.stdout.isTTY ? prettyStream() : pino.destination(1));
  }
  if (options.tap) streams.push({ write: options.tap });
  const logger = pino(
    { level: options.level ?? process.env.PLUGD_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
    pino.multistream(streams.map((stream) => ({ stream, level: 'trace' as const }))),
  );
  return {
    logger,
    writeLine(line) {
      for (const stream of streams) stream.write(line.endsWith('\n') ? line : line + '\n');
    },
    reopen() {
      file.reopen();
    },
    flush() {
      try {
        file.flushSync();
      } catch {
        // Not open yet: nothing was buffered.
      }
    },
  };
}
