// The pidfile, taken with an exclusive create so two daemons can never both
// believe they own a home. A pidfile whose process is gone, or is not plugd
// (its pid reused after an unclean death), is replaced.

import { renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import { createExclusive, readFileNoFollow } from '../trust/no-follow.js';
import { isPlugdProcess } from './plugd-process.js';
import { AlreadyRunningError, HomeError } from '../contract/errors.js';

export function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileNoFollow(path).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Writes our pid to `path`; throws AlreadyRunningError if a live daemon (answering on `socket`) holds it. */
export async function acquirePidfile(path: string, socket: string, pid = process.pid): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = createExclusive(path, 0o644);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(path);
    if (holder !== undefined && holder !== pid && (await isPlugdProcess(holder, socket)))
      throw new AlreadyRunningError(holder);
    // Stale (or unreadable, or half-written by a daemon that died): replace it.
    rmSync(path, { force: true });
  }
  throw new HomeError(`cannot take the pidfile ${path}: another process keeps replacing it`);
}

/** Removes the pidfile if it is still ours. */
export function releasePidfile(path: string, pid = process.pid): void {
  if (readPid(path) === pid) rmSync(path, { force: true });
}

/** Makes the pidfile name `pid` in one step (an upgrade's successor): it is never missing nor half-written. */
export function replacePidfile(path: string, pid = process.pid): void {
  const temporary = `${path}.${pid}`;
  rmSync(temporary, { force: true });
  const fd = createExclusive(temporary, 0o644);
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
