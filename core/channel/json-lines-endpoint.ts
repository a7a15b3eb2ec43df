// The IPC channel between the daemon and a plugin process, of plugd's own:
// JSON values, one per line, over a socket pair (spawn's stdio 'pipe' at fd 3
// in the child). Node's own IPC channel parses what arrives inside its
// internals, where bytes the child wrote that do not parse throw in the
// parent, with either of its serializations; here each line is bounded and
// parsed in a try, and a line that is too long or not JSON is reported as a
// 'violation' and ends the reading. The messages themselves are the
// receiver's to check.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { IpcEndpoint } from './pipe-transport.js';

const NEWLINE = 0x0a;

export interface JsonLinesEndpoint extends IpcEndpoint {
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'disconnect', listener: () => void): this;
  /** The other end sent a line that is too long or not JSON; nothing more is read. */
  on(event: 'violation', listener: (reason: string) => void): this;
  /** Ends this side: the other end sees 'disconnect'. */
  disconnect(): void;
}

/** An endpoint over `socket`, refusing lines longer than `maxLineBytes`. */
export function jsonLinesEndpoint(socket: Duplex, maxLineBytes: number): JsonLinesEndpoint {
  return new LinesEndpoint(socket, maxLineBytes);
}

class LinesEndpoint extends EventEmitter {
  connected = true;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly socket: Duplex,
    private readonly maxLineBytes: number,
  ) {
    super();
    socket.on('data', this.receive);
    socket.on('close', this.closed);
    socket.on('end', this.closed);
    // A write to a peer that is gone fails with EPIPE: that is its 'disconnect', not an error to throw.
    socket.on('error', this.closed);
  }

  send(message: unknown, callback: (error: Error | null) => void = () => undefined): boolean {
    if (!this.connected) {
      callback(new Error('the channel is closed'));
      return false;
    }
    return this.socket.write(`${JSON.stringify(message)}\n`, (error) => callback(error ?? null));
  }

  disconnect(): void {
    this.socket.end();
    this.closed();
  }

  private readonly closed = (): void => {
    if (!this.connected) return;
    this.connected = false;
    this.pending = [];
    this.emit('disconnect');
  };

  private readonly receive = (chunk: Buffer): void => {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      if (!this.line(chunk, start, end)) return;
      start = end + 1;
    }
    if (start === chunk.length) return;
    this.pending.push(chunk.subarray(start));
    this.pendingBytes += chunk.length - start;
    if (this.pendingBytes > this.maxLineBytes) this.violated(`a line longer than ${this.maxLineBytes} bytes`);
  };

  /** Parses and emits one line; false once reading has stopped. */
  private line(chunk: Buffer, start: number, end: number): boolean {
    if (!this.connected) return false;
    if (this.pendingBytes + end - start > this.maxLineBytes)
      return this.violated(`a line longer than ${this.maxLineBytes} bytes`);
    let text: string;
    if (this.pending.length === 0) text = chunk.toString('utf8', start, end);
    else {
      this.pending.push(chunk.subarray(start, end));
      text = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return this.violated('a line that is not JSON');
    }
    this.emit('message', message);
    return this.connected;
  }

  private violated(reason: string): false {
    this.socket.off('data', this.receive);
    this.pending = [];
    this.pendingBytes = 0;
    this.emit('violation', reason);
    this.socket.destroy();
    return false;
  }
}
