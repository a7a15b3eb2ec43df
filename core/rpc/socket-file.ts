// A unix socket file left by a daemon that died. It is removed only once a
// connect to it is refused: a socket that answers belongs to a live daemon.

import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { SocketInUseError } from '../contract/errors.js';

function probe(path: string): Promise<'live' | 'dead' | 'absent'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ENOENT' ? 'absent' : 'dead');
    });
  });
}

export async function removeStaleSocket(path: string): Promise<void> {
  const state = await probe(path);
  if (state === 'live') throw new SocketInUseError(path);
  if (state === 'dead') rmSync(path, { force: true });
}
