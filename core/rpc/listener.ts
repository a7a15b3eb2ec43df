// A listening socket (the unix control socket, or the TCP listener) and its
// connections. The first bytes of a connection say what it speaks: HTTP/1.1
// (a request line) or newline-delimited JSON. It counts calls in flight across
// connections, so a graceful stop can answer them before closing. Over TCP a
// connection has `authTimeoutMs` to authenticate (an HTTP one, to send its
// first request's headers, on any transport), and connections not yet
// authenticated have a cap of their own, so slow strangers cannot hold every
// slot. With `tls`, the TCP listener speaks TLS (mutual TLS with a `ca`).

import { createServer, type Server, type Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { chmodSync } from 'node:fs';
import type { Limits } from '../config.js';
import { nodeTls } from '../node-tls.js';
import { AuthGate } from './auth-gate.js';
import type { CallContext, Dispatcher } from './dispatcher.js';
import { ErrorCode, errorAnswers } from './errors.js';
import { createHttpHandler, type HttpFront } from './http-handler.js';
import { awaitProof, proveConnection } from './connection-proof.js';
import { NdjsonConnection, type ConnectionHooks } from './ndjson-connection.js';

export interface ListenerOptions {
  transport: CallContext['transport'];
  limits: Limits;
  /** When set, every connection must offer this token before any call (TCP); undefined when it cannot be read. */
  token?: () => string | undefined;
  /** TLS for the TCP listener (key, cert, and for mutual TLS ca + requestCert). */
  tls?: TlsOptions;
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
  /** Connections that have not proven themselves yet (connection-proof.ts ends their deadline). */
  private readonly unproven = new Set<Socket>();
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
    const accept = (socket: Socket) => this.accept(socket);
    const tls = options.tls;
    // Half-open: a client that sends its requests and then shuts down its side (`nc -N`) still reads every answer.
    this.server = tls
      ? nodeTls().createServer({ ...tls, allowHalfOpen: true, handshakeTimeout: options.limits.authTimeoutMs }, accept)
      : createServer({ allowHalfOpen: true }, accept);
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
    const { limits, token } = this.options;
    if (this.connections.size >= limits.maxConnections) return this.refuse(socket, 'too many connections');
    if (token && this.unproven.size >= limits.maxUnauthenticatedConnections) {
      return this.refuse(socket, `${this.unproven.size} connections waiting to authenticate`);
    }
    this.connections.add(socket);
    socket.on('close', () => {
      this.connections.delete(socket);
      proveConnection(socket);
    });
    if (token) this.startDeadline(socket);
    const silent = limits.idleTimeoutMs ? setTimeout(() => socket.end(), limits.idleTimeoutMs) : undefined;
    silent?.unref();
    // A client that half-closes before saying anything is owed nothing.
    const endedSilent = () => socket.end();
    socket.once('end', endedSilent);
    socket.once('data', (first: Buffer) => {
      clearTimeout(silent);
      socket.off('end', endedSilent);
      socket.pause();
      socket.unshift(first);
      if (looksLikeHttp(first)) {
        if (!this.unproven.has(socket)) this.startDeadline(socket); // The deadline for the first request's headers.
        this.httpHandler().emit('connection', socket);
      } else {
        const gate = token ? new AuthGate(token, () => proveConnection(socket)) : undefined;
        new NdjsonConnection(socket, this.dispatcher, this.context, limits, this.hooks, gate);
      }
      socket.resume();
    });
  }

  private refuse(socket: Socket, why: string): void {
    socket.end(JSON.stringify(errorAnswers(null, ErrorCode.OVERLOADED, `overloaded: ${why}`)) + '\n');
  }

  /** A connection not proven within `authTimeoutMs` is closed. */
  private startDeadline(socket: Socket): void {
    const timer = setTimeout(() => socket.destroy(), this.options.limits.authTimeoutMs);
    timer.unref();
    this.unproven.add(socket);
    awaitProof(socket, () => {
      clearTimeout(timer);
      this.unproven.delete(socket);
    });
  }

  /** HTTP checks the token on each request, so one handler (and one gate) serves every connection. */
  private httpHandler(): HttpServer {
    if (this.httpServer) return this.httpServer;
    const gate = this.options.token ? new AuthGate(this.options.token) : undefined;
    this.httpServer = createHttpHandler(this.dispatcher, this.context, this.options.limits, this.hooks, gate, this.options.front);
    // A request whose headers arrived (and, over TCP, that carries the token) proves its connection;
    // a dashboard session proves it with proveConnection(request.socket).
    this.httpServer.on('request', (request: IncomingMessage) => {
      if (!gate || gate.checkBearer(request.headers.authorization)) proveConnection(request.socket);
    });
    return this.httpServer;
  }
}
