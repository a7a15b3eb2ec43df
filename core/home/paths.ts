// The files a daemon keeps in its home (DESIGN.md, "Home").

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { HomeError } from '../contract/errors.js';

/** The home: `--home`, else `$PLUGD_HOME`, else `~/.plugd`. An empty value counts as unset, never as the current folder. */
export function resolveHome(home?: string): string {
  return resolve(home || process.env.PLUGD_HOME || join(homedir(), '.plugd'));
}

export interface HomePaths {
  home: string;
  socket: string;
  pidfile: string;
  log: string;
  config: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    socket: join(home, 'plugd.sock'),
    pidfile: join(home, 'plugd.pid'),
    log: join(home, 'plugd.log'),
    config: join(home, 'plugd.json'),
  };
}

/**
 * The kernel's limit for a unix socket path (sun_path holds 108 bytes with the
 * final NUL), less the `~` of the temporary name it is bound under (listener.ts).
 */
const MAX_SOCKET_PATH_BYTES = 106;

/** Checked before binding: a longer path would bind a truncated name. */
export function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES)
    throw new HomeError(
      `socket path too long (${bytes} bytes, at most ${MAX_SOCKET_PATH_BYTES}): use a shorter --home`,
    );
}
