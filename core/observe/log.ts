// The daemon's log: pino JSON lines in `$PLUGD_HOME/plugd.log`, and, in the
// foreground, on stdout too (pretty when stdout is a terminal). Workers send
// their lines already formatted; they are written as they are, at most
// `pluginLinesPerSecond` a second per plugin (core/observe/log-rate.ts).

import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import pino, { type Logger, type DestinationStream } from 'pino';
import { LogFile } from './log-file.js';
import { LogRateLimit } from './log-rate.js';

/** A plugin's line longer than this is dropped (and counted), never held. */
const MAX_PLUGIN_LINE_BYTES = 64 * 1024;

/** pino-pretty, loaded only for a terminal (a daemon in the background never needs it). */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({ colorize: true, destination: 1, sync: true });
}

export interface DaemonLog {
  logger: Logger;
  /** Writes one JSON line produced elsewhere (a plugin's worker). */
  writeLine(line: string): void;
  /** Writes a plugin's lines, rate-limited per plugin; dropped lines are counted and reported once a second. */
  pluginWriter(plugin: string): (line: string) => void;
  /** A new rate for every plugin's lines (a re-read `limits.pluginLogLinesPerSecond`), from their next line. */
  setPluginLinesPerSecond(perSecond: number): void;
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
  /** A plugin's lines a second (and burst); default 1000. */
  pluginLinesPerSecond?: number;
}

export function openLog(options: LogOptions): DaemonLog {
  const file = new LogFile(options.path);
  const streams: DestinationStream[] = [file];
  if (options.stdout) {
    streams.push(process.stdout.isTTY ? prettyStream() : pino.destination(1));
  }
  if (options.tap) streams.push({ write: options.tap });
  const logger = pino(
    { level: options.level ?? process.env.PLUGD_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
    pino.multistream(streams.map((stream) => ({ stream, level: 'trace' as const }))),
  );
  const writeLine = (line: string) => {
    for (const stream of streams) stream.write(line.endsWith('\n') ? line : line + '\n');
  };
  /** One writer (and rate limit) per plugin, made at its first line. */
  const writers = new Map<string, (line: string) => void>();
  let perSecond = options.pluginLinesPerSecond ?? 1000;
  return {
    logger,
    writeLine,
    pluginWriter(plugin) {
      let writer = writers.get(plugin);
      if (!writer) {
        const limit = new LogRateLimit({
          perSecond,
          maxLineBytes: MAX_PLUGIN_LINE_BYTES,
          write: writeLine,
          reportDropped: (dropped) =>
            logger.warn({ plugin, dropped }, `${plugin}: dropped ${dropped} log lines (over ${perSecond} a second)`),
        });
        writers.set(plugin, (writer = (line) => limit.offer(line)));
      }
      return writer;
    },
    setPluginLinesPerSecond(next) {
      perSecond = next;
      writers.clear();
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
