// The JSON-RPC lines of a stdio plugin's calls and of the daemon's own
// requests (exec-backend.ts): a line of stdout is a message or output, calls
// beyond the child's declared concurrency wait their turn, lines written in
// one turn of the event loop go in one write, and every answer is checked
// against the ids plugd sent.

import type { ChildProcess } from 'node:child_process';
import type { PassThrough } from 'node:stream';
import type { CoreToWorker, WorkerToCore } from '../channel/protocol.js';

/** Ids of the daemon's own requests (calls have numbers): `plugd-1`, `plugd-2`… */
const OWN_ID = /^plugd-(\d+)$/;

export type Message = Record<string, unknown>;

interface Waiting {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** The call and request bookkeeping of `ExecBackend`, which starts the child and reads its lines. */
export abstract class ExecCalls {
  protected child: ChildProcess | undefined;
  protected deliver: (message: WorkerToCore) => void = () => undefined;
  protected ended = false;
  /** Calls the child owes answers to, and the highest call id sent (a later id was never sent). */
  protected readonly sent = new Set<number>();
  protected highestSent = 0;
  /** Calls beyond the child's declared concurrency, in order. */
  protected readonly queued: CoreToWorker[] = [];
  protected concurrency = Infinity;
  /** The daemon's own requests (snapshot, restore, shutdown, ping) by number. */
  protected readonly waiting = new Map<number, Waiting>();
  protected nextOwnId = 1;
  /** Lines waiting for the end of this turn of the event loop. */
  protected outgoing: string[] = [];

  protected send(message: CoreToWorker): void {
    // Signals and hook events: a stdio plugin asks for none (its manifest lists none).
    if (message.t !== 'call' || this.ended) return;
    if (this.sent.size >= this.concurrency) this.queued.push(message);
    else this.write(message);
  }

  /** Sends a call, or (deadline passed) tells the child to stop working on it. */
  cancel(id: number): void {
    const queued = this.queued.findIndex((message) => message.t === 'call' && message.id === id);
    if (queued >= 0) {
      this.queued.splice(queued, 1);
      return;
    }
    if (!this.sent.delete(id)) return;
    this.writeLine({ jsonrpc: '2.0', method: 'plugd.cancel', params: { id } });
    this.admitQueued();
  }

  protected write(message: CoreToWorker & { t: 'call' }): void {
    this.sent.add(message.id);
    this.highestSent = Math.max(this.highestSent, message.id);
    this.writeLine({ jsonrpc: '2.0', id: message.id, method: message.method, params: message.params });
  }

  protected admitQueued(): void {
    while (this.queued.length > 0 && this.sent.size < this.concurrency)
      this.write(this.queued.shift() as CoreToWorker & { t: 'call' });
  }

  /** Lines written in one turn of the event loop go in one write: the child reads them in one read, and answers them in one. */
  protected writeLine(message: Message): void {
    if (this.outgoing.push(JSON.stringify(message) + '\n') === 1) setImmediate(() => this.flush());
  }

  protected flush(): void {
    const text = this.outgoing.join('');
    this.outgoing = [];
    const stdin = this.child?.stdin;
    if (text && stdin?.writable) stdin.write(text);
  }

  /** A request of the daemon's own; rejects with the child's error, or never answers if it dies (the order's deadline or death answers). */
  protected request(method: string, params?: unknown): Promise<unknown> {
    const id = this.nextOwnId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.writeLine(
        params === undefined
          ? { jsonrpc: '2.0', id: `plugd-${id}`, method }
          : { jsonrpc: '2.0', id: `plugd-${id}`, method, params },
      );
    });
  }

  /** One line of stdout: a message, or output. */
  protected receive(line: string): void {
    if (this.ended) return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    if (
      typeof message !== 'object' ||
      message === null ||
      Array.isArray(message) ||
      (message as Message).jsonrpc !== '2.0'
    ) {
      this.stdout.write(line + '\n');
      return;
    }
    const { method } = message as Message;
    if (typeof method === 'string') this.receiveRequest(method, message as Message);
    else if ('id' in message && ('result' in message || 'error' in message)) this.receiveAnswer(message);
    else this.stdout.write(line + '\n');
  }

  protected receiveAnswer(message: Message): void {
    const { id } = message;
    if (typeof id === 'number') return this.answerCall(id, message);
    const own = typeof id === 'string' ? OWN_ID.exec(id) : null;
    if (!own || Number(own[1]) >= this.nextOwnId)
      return this.violate(`an answer to id ${JSON.stringify(id)}, which plugd never sent`);
    const waiting = this.waiting.get(Number(own[1]));
    // Answered twice, or the order's deadline came first: nobody waits.
    if (!waiting) return;
    this.waiting.delete(Number(own[1]));
    const error = wireError(message.error);
    if ('error' in message) waiting.reject(new Error(error ? error.message : 'a malformed error'));
    else waiting.resolve(message.result);
  }

  protected answerCall(id: number, message: Message): void {
    if (!this.sent.delete(id)) {
      // Cancelled at its deadline, the answer is late; an id past every one sent was never sent.
      if (Number.isInteger(id) && id > 0 && id <= this.highestSent) return;
      return this.violate(`an answer to id ${id}, which plugd never sent`);
    }
    this.admitQueued();
    if ('error' in message) {
      const error = wireError(message.error);
      if (!error) return this.violate(`the error answering id ${id} is not {code: integer, message: string}`);
      this.deliver({ t: 'error', id, error });
    } else {
      this.deliver({ t: 'result', id, json: JSON.stringify(message.result) });
    }
  }

  /** Where a line that is not a message goes, as its output. */
  abstract readonly stdout: PassThrough;
  /** A request or notification of the child's (exec-backend.ts). */
  protected abstract receiveRequest(method: string, message: Message): void;
  /** The child broke the protocol (exec-backend.ts). */
  protected abstract violate(reason: string): void;
}

/** A JSON-RPC error object as the protocol requires it, or undefined. */
function wireError(error: unknown): { code: number; message: string; data?: unknown } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, data } = error as Message;
  if (!Number.isInteger(code) || typeof message !== 'string') return undefined;
  return data === undefined ? { code: code as number, message } : { code: code as number, message, data };
}
