// A listening socket (the unix control socket, or the TCP listener) and its
// connections. The first bytes of a connection say what it speaks: HTTP/1.1
// (a request line) or newline-delimited JSON. It counts calls in flight across
// connections, so a graceful stop can answer them before closing. Over TCP a
// connection has `authTimeoutMs` to authenticate (an HTTP one, to send its
// first request's headers, on any transport), and connections not yet
// authenticated have a cap of their own, so slow strangers cannot hold every
// slot (at the cap the oldest goes: unproven-connections.ts). With `tls`, the
// TCP listener speaks TLS (mutual TLS with a `ca`).

import { createServer, type Server, type Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { chmodSync, renameSync, rmSync } from 'node:fs';
import type { Limits } from '../config/config.js';
import { nodeTls } from '../trust/node-tls.js';
import { AuthGate } from './auth-gate.js';
import type { CallContext, Dispatcher } from './dispatcher.js';
import { ErrorCode, errorAnswers } from './errors.js';
import { createHttpHandler, type HttpFront } from './http-handler.js';
import { proveConnection } from './connection-proof.js';
import { UnprovenConnections } from './unproven-connections.js';
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
  /** Where the listener says what an operator should know (the daemon's log). */
  warn?: (message: string) => void;
}

/** Room for a burst of connects: a full unix-socket backlog refuses with EAGAIN rather than queueing. */
const LISTEN_BACKLOG = 4096;

/** An HTTP request line starts with a method in capitals; JSON starts with `{`, `[` or white space. */
const looksLikeHttp = (chunk: Buffer) => chunk[0] >= 0x41 && chunk[0] <= 0x5a;

export class RpcListener {
  private readonly server: Server;
  private readonly connections = new Set<Socket>();
  /** Connections that have not proven themselves yet (connection-proof.ts ends their deadline). */
  private readonly unproven: UnprovenConnections;
  private readonly context: CallContext;
  private httpServer: HttpServer | undefined;
  private readonly ndjson = new Set<NdjsonConnection>();
  /** HTTP connections, and those of them with a response under way (a drain ends the others at once). */
  private readonly http = new Set<Socket>();
  private readonly answering = new Set<Socket>();
  /** Set by `drain`: every HTTP answer from now on closes its connection. */
  private draining = false;
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
    this.unproven = new UnprovenConnections(options.limits, options.warn ?? (() => undefined));
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

  /**
   * Listens on a unix socket path, readable and writable by the owner only.
   * It binds a temporary name and renames it into place: the path is never
   * missing when it replaces a stale file, and libuv, which unlinks the name
   * it bound when the listener closes, never removes the path an upgrade's
   * successor serves on (the last owner removes it, daemon.ts).
   */
  listenUnix(path: string): Promise<void> {
    const bound = `${path}~`;
    rmSync(bound, { force: true });
    // The umask closes the window between bind() and chmod() in which another user could connect.
    const umask = process.umask(0o177);
    return this.listen(() => this.server.listen({ path: bound, backlog: LISTEN_BACKLOG }))
      .finally(() => process.umask(umask))
      .then(() => {
        chmodSync(bound, 0o600);
        renameSync(bound, path);
      });
  }

  /** Serves a listening socket this process was handed (socket activation, or an upgrade). */
  listenFd(fd: number): Promise<void> {
    // Listening again keeps the socket and its queue; the backlog stays what the first daemon set.
    // (Node reads a descriptor's backlog from the second argument only, never from the options.)
    return this.listen(() => this.server.listen({ fd }, LISTEN_BACKLOG));
  }

  /** The listening socket's descriptor, to hand to an upgrade's successor. */
  get fd(): number {
    return (this.server as unknown as { _handle: { fd: number } })._handle.fd;
  }

  /** Where the TCP listener listens. */
  get tcpAddress(): { host: string; port: number } {
    const address = this.server.address() as { address: string; port: number };
    return { host: address.address, port: address.port };
  }

  listenTcp(host: string, port: number): Promise<{ host: string; port: number }> {
    return this.listen(() => this.server.listen({ port, host, backlog: LISTEN_BACKLOG })).then(() => this.tcpAddress);
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

  /**
   * An upgrade's drain (the successor accepts on the same socket now): stops
   * accepting, reads no more requests, answers those read, ends each
   * newline-JSON connection after its last answer and answers HTTP with
   * `Connection: close`. Connections still open after `deadlineMs` are cut.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.ndjson) connection.finish();
    for (const socket of this.http) if (!this.answering.has(socket)) socket.end();
    const ended = new Promise<void>((resolve) => {
      const check = () => this.connections.size === 0 && resolve();
      for (const socket of this.connections) socket.once('close', () => setImmediate(check));
      check();
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([ended, late]);
    clearTimeout(timer);
    for (const socket of this.connections) socket.destroy();
    await closed;
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
    if (token) this.unproven.makeRoom();
    this.connections.add(socket);
    socket.on('close', () => {
      this.connections.delete(socket);
      proveConnection(socket);
    });
    if (token) this.unproven.watch(socket);
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
        if (!this.unproven.has(socket)) this.unproven.watch(socket); // The deadline for the first request's headers.
        this.http.add(socket);
        socket.once('close', () => this.http.delete(socket));
        this.httpHandler().emit('connection', socket);
      } else {
        const gate = token ? new AuthGate(token, () => proveConnection(socket)) : undefined;
        const connection = new NdjsonConnection(socket, this.dispatcher, this.context, limits, this.hooks, gate);
        this.ndjson.add(connection);
        socket.once('close', () => this.ndjson.delete(connection));
        if (this.draining) connection.finish();
      }
      socket.resume();
    });
  }

  private refuse(socket: Socket, why: string): void {
    socket.end(JSON.stringify(errorAnswers(null, ErrorCode.OVERLOADED, `overloaded: ${why}`)) + '\n');
  }

  /** HTTP checks the token on each request, so one handler (and one gate) serves every connection. */
  private httpHandler(): HttpServer {
    if (this.httpServer) return this.httpServer;
    const gate = this.options.token ? new AuthGate(this.options.token) : undefined;
    this.httpServer = createHttpHandler(
      this.dispatcher,
      this.context,
      this.options.limits,
      this.hooks,
      gate,
      this.options.front,
    );
    // A request whose headers arrived (and, over TCP, that carries the token) proves its connection;
    // a dashboard session proves it with proveConnection(request.socket).
    this.httpServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!gate || gate.checkBearer(request.headers.authorization)) proveConnection(request.socket);
      if (this.draining) response.setHeader('Connection', 'close');
      // Kept alive, a connection would outlast a drain: once draining, it ends after the response under way.
      const socket = request.socket;
      this.answering.add(socket);
      response.once('close', () => {
        this.answering.delete(socket);
        if (this.draining) socket.end();
      });
    });
    return this.httpServer;
  }
}
