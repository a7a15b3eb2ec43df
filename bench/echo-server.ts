// The bare newline-JSON echo server the daemon's figures are compared with:
// the socket's limit. It frames lines as the daemon does and answers each
// request with its params as the result; no routing, validation or hooks.
// It runs as its own process, like the daemon:
//
//   node --import ./test/preload.js bench/echo-server.ts SOCKET_PATH

import { createServer } from 'node:net';
import { LineSplitter } from '../core/rpc/line-splitter.js';

const MAX_LINE_BYTES = 1024 * 1024;

const server = createServer((socket) => {
  const splitter = new LineSplitter(MAX_LINE_BYTES, {
    line(text) {
      const request = JSON.parse(text) as { id?: unknown; params?: unknown };
      socket.write(JSON.stringify({ jsonrpc: '2.0', result: request.params ?? null, id: request.id ?? null }) + '\n');
    },
    overflow: () => socket.destroy(),
  });
  socket.on('data', (chunk: Buffer) => splitter.push(chunk));
  socket.on('error', () => socket.destroy());
});

server.listen(process.argv[2], () => process.stdout.write('listening\n'));
