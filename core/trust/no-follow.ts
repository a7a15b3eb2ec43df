// Files in the home (log, token, pidfile) are opened without following a
// symlink: a link planted there must not make the daemon read or append to
// a file elsewhere (a root daemon appending to /root/anything).

import { constants, openSync, readFileSync, closeSync } from 'node:fs';
import { HomeError } from '../contract/errors.js';

const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;

function openNoFollow(path: string, flags: number, mode?: number): number {
  try {
    return openSync(path, flags | O_NOFOLLOW, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
    throw new HomeError(`${path} is a symbolic link: plugd does not follow links in its home (remove it)`);
  }
}

/** Opens for appending, creating it (mode 0600) if missing; a symlink is refused. */
export function openAppendNoFollow(path: string): number {
  return openNoFollow(path, O_WRONLY | O_APPEND | O_CREAT, 0o600);
}

/** Creates a new file; an existing file or symlink is refused (EEXIST). */
export function createExclusive(path: string, mode: number): number {
  return openNoFollow(path, O_WRONLY | O_CREAT | O_EXCL, mode);
}

export function readFileNoFollow(path: string): string {
  const fd = openNoFollow(path, O_RDONLY);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
