// The log file as a pino destination that never follows a symlink: a link
// planted as `plugd.log` must not make the daemon append to another file.
// Reopening (logrotate, SIGHUP) opens the path afresh the same way.

import pino, { type DestinationStream } from 'pino';
import { openAppendNoFollow } from '../trust/no-follow.js';

type Destination = ReturnType<typeof pino.destination>;

function open(path: string): Destination {
  return pino.destination({ fd: openAppendNoFollow(path), sync: false });
}

export class LogFile implements DestinationStream {
  private stream: Destination;

  constructor(private readonly path: string) {
    this.stream = open(path);
  }

  write(line: string): void {
    this.stream.write(line);
  }

  reopen(): void {
    const old = this.stream;
    this.stream = open(this.path);
    old.end(); // Flushes what it holds into the old file, then closes it.
  }

  flushSync(): void {
    this.stream.flushSync();
  }
}
