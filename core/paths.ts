// The files a daemon keeps in its home (DESIGN.md, "Home").

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The home: `--home`, else `$PLUGD_HOME`, else `~/.plugd`. */
export function resolveHome(home?: string): string {
  return resolve(home ?? process.env.PLUGD_HOME ?? join(homedir(), '.plugd'));
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
