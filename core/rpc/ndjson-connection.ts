// One client speaking newline-delimited JSON-RPC: one JSON text per line, each
// answered by one line. Pipelined requests run concurrently and are answered
// as they finish (ids tell them apart). A bad line costs only its own answer;
// an oversized line, a client that leaves its answers unread, or one that
// stays silent too long loses its connection and nothing else. A client that
// reads slower than it asks is throttled: its requests are not read until
// its answers drain. A client that half-closes (sends, then shuts down its
// side) has ended its requests, not its answers: the connection ends after
// the last answer to what it sent.

import type { Socket } from 'node:net';
import type { Limits } from '../config/config.js';
import { ErrorCode, errorAnswers } from './errors.js';
import { LineSplitter } from './line-splitter.js';
import { PARSE_ERROR_RESPONSE, type CallContext, type Dispatcher } from './dispatcher.js';
import type { JsonRpcResponse } from './json-rpc.js';
import type { AuthGate } from './auth-gate.js';
import { answerText } from './answer-text.js';

export interface ConnectionHooks {
  /** Counts calls across connections, for a graceful stop's drain. */
  callStarted(): void;
  callSettled(): void;
}

export class NdjsonConnection {
  private inFlight = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private throttled = false;
  private slowReaderTimer: NodeJS.Timeout | undefined;
  /** An upgrade's drain: no more requests are read; the connection ends after its last answer. */
  private finishing = false;
  /** The client sent its last request (half-close). */
  private requestsEnded = false;

  constructor(
    private readonly socket: Socket,
    private readonly dispatcher: Dispatcher,
    private readonly context: CallContext,
    private readonly limits: Limits,
    private readonly hooks: ConnectionHooks,
    private readonly gate: AuthGate | undefined,
  ) {
    const splitter = new LineSplitter(limits.maxLineBytes, {
      line: (text) => this.receive(text),
      overflow: () => {
        this.send(errorAnswers(null, ErrorCode.INVALID_REQUEST, 'Invalid Request: line exceeds the maximum size')!);
        this.close();
      },
    });
    socket.on('data', (chunk: Buffer) => {
      this.touch();
      splitter.push(chunk);
    });
    socket.on('end', () => {
      splitter.finish();
      this.requestsEnded = true;
      this.endAfterLastAnswer();
    });
    socket.on('close', () => {
      clearTimeout(this.idleTimer);
      clearTimeout(this.slowReaderTimer);
    });
    this.touch();
  }

  /**
   * Reads no more requests and ends the connection once the ones it read are
   * answered: a client that sees end-of-file without an answer knows that
   * request did not run, and may send it again (to the upgrade's successor).
   */
  finish(): void {
    this.finishing = true;
    this.socket.pause();
    if (this.inFlight === 0) this.close();
  }

  private receive(text: string): void {
    if (this.finishing || text.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.send(PARSE_ERROR_RESPONSE);
      return;
    }
    if (this.gate && !this.gate.authenticated) {
      const verdict = this.gate.admit(message);
      if (verdict.answer) this.send(verdict.answer);
      if (verdict.close) this.close();
      if (!verdict.pass) return;
    }
    if (this.inFlight >= this.limits.maxInFlightPerConnection) {
      const answer = errorAnswers(
        message,
        ErrorCode.OVERLOADED,
        `overloaded: ${this.inFlight} calls in flight on this connection`,
      );
      if (answer) this.send(answer);
      return;
    }
    this.inFlight++;
    this.hooks.callStarted();
    // handle() never rejects (every failure is an error answer): nothing is awaited here.
    void this.dispatcher
      .handle(message, this.context)
      .then((response) => {
        if (response !== undefined) this.send(response);
      })
      .finally(() => {
        this.inFlight--;
        this.hooks.callSettled();
        if (this.finishing && this.inFlight === 0) this.close();
        else this.endAfterLastAnswer();
      });
  }

  private endAfterLastAnswer(): void {
    if (this.requestsEnded && this.inFlight === 0 && !this.socket.writableEnded) this.socket.end();
  }

  private send(response: JsonRpcResponse | JsonRpcResponse[]): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return; // The client left; its answer is dropped.
    if (!socket.write(answerText(response, this.limits.maxPendingWriteBytes) + '\n')) this.throttle();
    // Answers already asked for may still pile up: past the hard bound the client is cut off.
    if (socket.writableLength > this.limits.maxPendingWriteBytes) socket.destroy();
  }

  /**
   * The client reads slower than it asks: read no more of its requests until
   * its answers drain. A client that drains nothing for `slowReaderGraceMs`
   * has stopped reading, and is cut off.
   */
  private throttle(): void {
    if (this.throttled) return;
    this.throttled = true;
    this.socket.pause();
    this.slowReaderTimer = setTimeout(() => this.socket.destroy(), this.limits.slowReaderGraceMs);
    this.socket.once('drain', () => {
      this.throttled = false;
      clearTimeout(this.slowReaderTimer);
      this.socket.resume();
    });
  }

  /** Ends the connection once the answers already written are flushed; reads no more. */
  private close(): void {
    this.socket.pause();
    this.socket.end();
  }

  private touch(): void {
    if (this.limits.idleTimeoutMs === 0) return;
    // Every chunk touches: re-arm the one timer rather than make a new one.
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      // A client waiting on its own long calls is not idle.
      if (this.inFlight > 0) return this.touch();
      this.socket.end();
    }, this.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }
}
