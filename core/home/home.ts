// The home is taken only if it is this user's own and closed to others: a home
// another user can write to lets them plant files the daemon trusts, and a
// home others can read shows them the token. plugd locks down (0700) only a
// home it creates itself; an existing folder is never silently changed.

import { chmodSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { HomeError } from '../contract/errors.js';

function statHome(home: string): Stats | undefined {
  try {
    return statSync(home);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HomeError(`cannot use ${home} as plugd's home: ${(error as Error).message}`, { cause: error });
  }
}

/** Creates the home (0700) if it does not exist; otherwise checks it is a folder of ours, closed to others. */
export function prepareHome(home: string): void {
  const stats = statHome(home);
  if (!stats) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700); // Whatever the umask.
    return;
  }
  checkHomeIsFolder(home);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new HomeError(`refusing home ${home}: it is owned by uid ${stats.uid}, not by this user (uid ${uid})`);
  }
  const mode = stats.mode & 0o777;
  if (mode & 0o077) {
    throw new HomeError(
      `refusing home ${home}: other users can reach it (mode ${mode.toString(8).padStart(4, '0')}): chmod 700 ${home} or choose another home`,
    );
  }
}

/** For commands that only read the home: a home that is a file says so, not "ENOTDIR". */
export function checkHomeIsFolder(home: string): void {
  if (statHome(home)?.isDirectory() === false)
    throw new HomeError(`${home} is a file, not a folder: --home takes a folder`);
}
