// Newline-delimited JSON-RPC over a stream socket: one JSON text per line, each
// answered by one line. Pipelined requests run concurrently and are answered
// as they finish (ids tell them apart). A bad line costs only its own answer;
// an oversized line closes that connection and nothing else.

import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync } from 'node:fs';
import { ErrorCode } from './errors.js';
import { LineSplitter } from './line-splitter.js';
import type { CallContext, Dispatcher } from './dispatcher.js';

export interface SocketServerOptions {
  maxLineBytes: number;
  /** A reader that lets this many answer bytes pile up unread is cut off. */
  maxPendingWriteBytes: number;
}

export const DEFAULT_SOCKET_OPTIONS: SocketServerOptions = {
  maxLineBytes: 1024 * 1024,
  maxPendingWriteBytes: 16 * 1024 * 1024,
};

const LINE_TOO_LONG =
  JSON.stringify({
    jsonrpc: '2.0',
    error: { code: ErrorCode.INVALID_REQUEST, message: 'Invalid Request: line exceeds the maximum size' },
    id: null,
  }) + '\n';

/** One answer line; a result JSON cannot express (a BigInt, a cycle) becomes an internal error. */
function serialize(response: object): string {
  try {
    return JSON.stringify(response) + '\n';
  } catch (error) {
    const id = Array.isArray(response) ? null : ((response as { id?: unknown }).id ?? null);
    return (
      JSON.stringify({
        jsonrpc: '2.0',
        error: { code: ErrorCode.INTERNAL_ERROR, message: `result cannot be sent as JSON: ${(error as Error).message}` },
        id,
      }) + '\n'
    );
  }
}

export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Set<Socket>();
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly context: CallContext,
    private readonly options: SocketServerOptions = DEFAULT_SOCKET_OPTIONS,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens on a unix socket path, readable and writable by the owner only. */
  listenUnix(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      // The umask closes the window between bind() and chmod() in which
      // another user could connect.
      const umask = process.umask(0o177);
      this.server.listen(path, () => {
        process.umask(umask);
        chmodSync(path, 0o600);
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting connections; waits (up to `deadlineMs`) for in-flight calls, then closes every connection. */
  async close(deadlineMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const socket of this.connections) socket.end();
    // Peers that never close their end are not waited for.
    const forced = setTimeout(() => {
      for (const socket of this.connections) socket.destroy();
    }, 1000);
    await closed;
    clearTimeout(forced);
  }

  private accept(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    const splitter = new LineSplitter(this.options.maxLineBytes, {
      line: (text) => this.answer(socket, text),
      overflow: () => {
        socket.end(LINE_TOO_LONG);
        socket.pause();
      },
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
  }

  private answer(socket: Socket, text: string): void {
    if (text.trim() === '') return;
    this.inFlight++;
    this.dispatcher
      .handleText(text, this.context)
      .then((response) => {
        if (response !== undefined) this.write(socket, serialize(response));
      })
      .finally(() => this.settle());
  }

  private write(socket: Socket, line: string): void {
    if (socket.destroyed || !socket.writable) return;
    socket.write(line);
    if (socket.writableLength > this.options.maxPendingWriteBytes) socket.destroy();
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idle) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
  }
}
