// A listening socket (the unix control socket, or the TCP listener) and its
// connections. The first bytes of a connection say what it speaks: HTTP/1.1
// (a request line) or newline-delimited JSON. It counts calls in flight across
// connections, so a graceful stop can answer them before closing.

import { createServer, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { chmodSync } from 'node:fs';
import type { Limits } from '../config.js';
import { AuthGate } from './auth-gate.js';
import type { CallContext, Dispatcher } from './dispatcher.js';
import { ErrorCode, errorAnswers } from './errors.js';
import { createHttpHandler, type HttpFront } from './http-handler.js';
import { NdjsonConnection, type ConnectionHooks } from './ndjson-connection.js';

export interface ListenerOptions {
  transport: CallContext['transport'];
  limits: Limits;
  /** When set, every connection must offer this token before any call (TCP). */
  token?: () => string;
  /** Serves HTTP requests before JSON-RPC does (the dashboard). */
  front?: HttpFront;
}

/** Room for a burst of connects: a full unix-socket backlog refuses with EAGAIN rather than queueing. */
const LISTEN_BACKLOG = 4096;

/** An HTTP request line starts with a method in capitals; JSON starts with `{`, `[` or white space. */
const looksLikeHttp = (chunk: Buffer) => chunk[0] >= 0x41 && chunk[0] <= 0x5a;

export class RpcListener {
  private readonly server: Server;
  private readonly connections = new Set<Socket>();
  private readonly context: CallContext;
  private httpServer: HttpServer | undefined;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private readonly hooks: ConnectionHooks = {
    callStarted: () => this.inFlight++,
    callSettled: () => {
      if (--this.inFlight === 0) this.idle?.();
    },
  };

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly options: ListenerOptions,
  ) {
    this.context = { transport: options.transport };
    this.server = createServer((socket) => this.accept(socket));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Listens on a unix socket path, readable and writable by the owner only. */
  listenUnix(path: string): Promise<void> {
    // The umask closes the window between bind() and chmod() in which another user could connect.
    const umask = process.umask(0o177);
    return this.listen(() => this.server.listen({ path, backlog: LISTEN_BACKLOG }))
      .finally(() => process.umask(umask))
      .then(() => chmodSync(path, 0o600));
  }

  listenTcp(host: string, port: number): Promise<{ host: string; port: number }> {
    return this.listen(() => this.server.listen({ port, host, backlog: LISTEN_BACKLOG })).then(() => {
      const address = this.server.address() as { address: string; port: number };
      return { host: address.address, port: address.port };
    });
  }

  /** Stops accepting; waits (up to `deadlineMs`) for calls in flight; then closes every connection. */
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
    const forced = setTimeout(() => this.connections.forEach((socket) => socket.destroy()), 1000);
    await closed;
    clearTimeout(forced);
  }

  private listen(start: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.once('listening', () => {
        this.server.off('error', reject);
        resolve();
      });
      start();
    });
  }

  private accept(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    if (this.connections.size >= this.options.limits.maxConnections) {
      socket.end(JSON.stringify(errorAnswers(null, ErrorCode.OVERLOADED, 'overloaded: too many connections')) + '\n');
      return;
    }
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    const silent = this.options.limits.idleTimeoutMs ? setTimeout(() => socket.end(), this.options.limits.idleTimeoutMs) : undefined;
    silent?.unref();
    socket.once('data', (first: Buffer) => {
      clearTimeout(silent);
      socket.pause();
      socket.unshift(first);
      if (looksLikeHttp(first)) {
        this.httpHandler().emit('connection', socket);
      } else {
        new NdjsonConnection(socket, this.dispatcher, this.context, this.options.limits, this.hooks, this.gate());
      }
      socket.resume();
    });
  }

  /** A connection's own gate: it remembers whether that connection has authenticated. */
  private gate(): AuthGate | undefined {
    return this.options.token ? new AuthGate(this.options.token) : undefined;
  }

  /** HTTP checks the token on each request, so one handler (and one gate) serves every connection. */
  private httpHandler(): HttpServer {
    this.httpServer ??= createHttpHandler(this.dispatcher, this.context, this.options.limits, this.hooks, this.gate(), this.options.front);
    return this.httpServer;
  }
}
