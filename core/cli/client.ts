// A small persistent newline-JSON client for the control socket: one
// connection, many calls, answers matched by id. The CLI and the tests use it
// (not jayson's client, which opens a connection per request).

import { connect, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { formatAddress } from '../contract/address.js';
import { nodeTls } from '../trust/node-tls.js';
import { LineSplitter } from '../rpc/line-splitter.js';
import type { WireError } from '../channel/protocol.js';
import { ConnectionClosedError, InvalidInputError, NotRunningError } from '../contract/errors.js';

/** A JSON-RPC error answer. */
export class CallError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(error: WireError) {
    super(error.message);
    this.name = 'CallError';
    this.code = error.code;
    this.data = error.data;
  }
}

interface Waiter {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export class RpcClient {
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    const splitter = new LineSplitter(Number.MAX_SAFE_INTEGER, {
      line: (text) => this.receive(text),
      overflow: () => undefined,
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new ConnectionClosedError()));
  }

  /** Connects to a unix socket path, or to a TCP address (over TLS with `tls`). */
  static connect(target: string | { host: string; port: number; tls?: ConnectionOptions }): Promise<RpcClient> {
    const path = typeof target === 'string' ? target : formatAddress(target);
    return new Promise((resolve, reject) => {
      const tls = typeof target === 'string' ? undefined : target.tls;
      const socket =
        typeof target === 'string'
          ? connect(target)
          : tls
            ? nodeTls().connect({ ...tls, host: target.host, port: target.port })
            : connect(target.port, target.host);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', onError);
        resolve(new RpcClient(socket));
      });
      const onError = (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
            ? new NotRunningError(path, typeof target === 'string', { cause: error })
            : error,
        );
      socket.once('error', onError);
    });
  }

  call<T = unknown>(method: string, params?: unknown): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    // The daemon would refuse them anyway (-32600); say so before sending.
    if (params !== undefined && (params === null || typeof params !== 'object')) {
      return Promise.reject(
        new InvalidInputError(`params must be a JSON object or array, not ${JSON.stringify(params)}`),
      );
    }
    const id = this.nextId++;
    const request = params === undefined ? { jsonrpc: '2.0', method, id } : { jsonrpc: '2.0', method, params, id };
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.socket.write(JSON.stringify(request) + '\n');
    });
  }

  close(): void {
    this.socket.end();
  }

  private receive(text: string): void {
    let answer: { id?: number; result?: unknown; error?: WireError };
    try {
      answer = JSON.parse(text);
    } catch {
      return;
    }
    const waiter = typeof answer.id === 'number' ? this.waiters.get(answer.id) : undefined;
    if (!waiter) return;
    this.waiters.delete(answer.id!);
    if (answer.error) waiter.reject(new CallError(answer.error));
    else waiter.resolve(answer.result);
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
  }
}
