// The files a daemon keeps in its home (DESIGN.md, "Home").

import { join } from 'node:path';

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
