// socket.raw.c1 / socket.raw.c32: round trips through the bare echo server
// (echo-server.ts, in a child process), the ceiling of the daemon's figures.
// socket.raw.worker.*: the same server with a worker hop per request through
// plugd's channel (the shared-memory ring, or postMessage), the ceiling of any
// plugin call's.

import { fileURLToPath } from 'node:url';
import { startChild } from './child.js';
import { callsPerSecond, PROBE_PARAMS } from './concurrency.js';
import { onCleanup } from './cleanup.js';
import { makeHome } from '../test/helpers/daemon.js';
import type { BenchResult } from './result.js';
import { TS_LOADER } from './ts-loader.js';
import type { ChannelKind } from '../core/channel/transport.js';

const SERVER = fileURLToPath(new URL('./echo-server.ts', import.meta.url));

export async function benchRawSocket(): Promise<BenchResult[]> {
  return [
    ...(await againstEchoServer('socket.raw')),
    ...(await againstEchoServer('socket.raw.worker', 'sab')),
    ...(await againstEchoServer('socket.raw.worker.postmessage', 'postmessage')),
  ];
}

/** The echo server answering inline, or through a worker over a `hop` channel. */
async function againstEchoServer(prefix: string, hop?: ChannelKind): Promise<BenchResult[]> {
  // A scratch home only for its socket path and its removal on any exit.
  const scratch = makeHome(onCleanup);
  try {
    const server = await startChild([...TS_LOADER, SERVER, scratch.socket, ...(hop ? [hop] : [])], {
      stream: 'stdout',
      text: 'listening',
    });
    try {
      return await callsPerSecond({
        prefix,
        unit: 'round trips/s',
        socket: scratch.socket,
        serverPid: server.pid,
        method: 'echo.echo',
        params: PROBE_PARAMS,
      });
    } finally {
      await server.stop();
    }
  } finally {
    scratch.remove();
  }
}
