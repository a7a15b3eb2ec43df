// The bare newline-JSON echo server the daemon's figures are compared with:
// the socket's limit. It frames lines as the daemon does and answers each
// request with its params as the result; no routing, validation or hooks.
// It runs as its own process, like the daemon:
//
//   node --import ./test/preload.js bench/echo-server.ts SOCKET_PATH [sab|postmessage]
//
// With a channel kind, each request's params make the worker hop a plugin
// call makes, through plugd's own channel and nothing else of plugd: the
// floor of what any worker-per-plugin design pays on this machine.

import { createServer, type Socket } from 'node:net';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { openChannel } from '../core/channel/open.js';
import type { CallMessage, ResultMessage } from '../core/channel/protocol.js';
import type { ChannelKind, ChannelSpec } from '../core/channel/transport.js';
import { answerText } from '../core/rpc/answer-text.js';
import { LineSplitter } from '../core/rpc/line-splitter.js';
import { RawJson } from '../core/rpc/raw-json.js';
import { echoCalls } from './echo-worker.js';

const MAX_LINE_BYTES = 1024 * 1024;

interface Request {
  id?: unknown;
  params?: unknown;
}

type Answerer = (request: Request, socket: Socket) => void;

const answerInline: Answerer = (request, socket) => {
  socket.write(JSON.stringify({ jsonrpc: '2.0', result: request.params ?? null, id: request.id ?? null }) + '\n');
};

/** Sends each request's params to a worker that answers them with the result's JSON text, as a plugin's worker does. */
function answerThroughWorker(kind: ChannelKind): Answerer {
  const { local, spec, transferList } = openChannel<ResultMessage, CallMessage>(kind);
  new Worker(new URL(import.meta.url), { workerData: { spec }, transferList }).unref();
  const waiting = new Map<number, { socket: Socket; id: unknown }>();
  let nextId = 0;
  local.onMessage((answer) => {
    const { socket, id } = waiting.get(answer.id)!;
    waiting.delete(answer.id);
    socket.write(answerText({ jsonrpc: '2.0', id: id ?? null, result: new RawJson(answer.json) }) + '\n');
  });
  return (request, socket) => {
    const id = nextId++;
    waiting.set(id, { socket, id: request.id });
    local.send({ t: 'call', id, method: 'echo', params: request.params ?? null });
  };
}

function serve(socketPath: string, answer: Answerer): void {
  const server = createServer((socket) => {
    const splitter = new LineSplitter(MAX_LINE_BYTES, {
      line: (text) => answer(JSON.parse(text) as Request, socket),
      overflow: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => socket.destroy());
  });
  server.listen(socketPath, () => process.stdout.write('listening\n'));
}

if (isMainThread) {
  const [socketPath, hop] = process.argv.slice(2);
  serve(socketPath, hop ? answerThroughWorker(hop as ChannelKind) : answerInline);
} else {
  echoCalls((workerData as { spec: ChannelSpec }).spec);
}
