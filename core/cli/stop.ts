// `plugd stop`: SIGTERM to the daemon named by the pidfile, then wait for it
// to be gone (it drains in-flight calls and stops its plugins first), printing
// the daemon's word on what it waits for (core/host/stop-progress.ts) from its
// log. A pidfile naming a process that is not plugd is stale: nothing is signalled.

import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HomePaths } from '../home/paths.js';
import { readPid } from '../home/pidfile.js';
import { isProcessAlive } from '../home/process-alive.js';
import { isPlugdProcess } from '../home/plugd-process.js';
import { NotRunningError, TimeoutError } from '../contract/errors.js';

const STOP_WAIT_MS = 60_000;

export async function stop(paths: HomePaths): Promise<void> {
  const pid = readPid(paths.pidfile);
  if (pid === undefined || !(await isPlugdProcess(pid, paths.socket))) throw new NotRunningError(paths.socket);
  const log = new LogTail(paths.log);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  try {
    while (isProcessAlive(pid) && existsSync(paths.pidfile)) {
      if (Date.now() > deadline)
        throw new TimeoutError(`plugd (pid ${pid}) did not stop within ${STOP_WAIT_MS / 1000} s`);
      await sleep(25);
      for (const wait of log.waits()) process.stdout.write(`${wait}\n`);
    }
  } finally {
    log.close();
  }
  process.stdout.write(`plugd stopped (pid ${pid})\n`);
}

/** The records the daemon appends to its log from now on that say what its stop waits for. */
class LogTail {
  private fd: number | undefined;
  private position = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(path: string) {
    try {
      this.fd = openSync(path, 'r');
      this.position = fstatSync(this.fd).size;
    } catch {
      // No log to follow: the stop is silent, as before.
    }
  }

  /** The messages of new `waitingFor` records. */
  waits(): string[] {
    if (this.fd === undefined) return [];
    const chunk = Buffer.alloc(64 * 1024);
    let text = this.partial;
    for (let read; (read = readSync(this.fd, chunk, 0, chunk.length, this.position)) > 0;) {
      this.position += read;
      text += this.decoder.write(chunk.subarray(0, read));
    }
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    return lines.flatMap((line) => {
      try {
        const record = JSON.parse(line) as { waitingFor?: unknown; msg?: unknown };
        return record.waitingFor !== undefined && typeof record.msg === 'string' ? [record.msg] : [];
      } catch {
        return [];
      }
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
