// A plain `net` client that speaks raw lines, so tests check the daemon's
// framing independently of plugd's own client.

import { connect, type Socket } from 'node:net';

export class RawSocket {
  private buffer = '';
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) !== -1) {
        this.lines.push(this.buffer.slice(0, newline));
        this.buffer = this.buffer.slice(newline + 1);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(target: string | { host: string; port: number }): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const onConnect = () => resolve(new RawSocket(socket));
      const socket =
        typeof target === 'string' ? connect(target, onConnect) : connect(target.port, target.host, onConnect);
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next `count` answer lines, parsed. Rejects if the connection closes first. */
  async read(count = 1, timeoutMs = 10_000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length < count) {
      if (this.closed) throw new Error(`connection closed after ${this.lines.length} of ${count} lines`);
      if (Date.now() > deadline) throw new Error(`timed out with ${this.lines.length} of ${count} lines`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.lines.splice(0, count).map((line) => JSON.parse(line));
  }

  async request(message: unknown): Promise<any> {
    this.send(JSON.stringify(message) + '\n');
    return (await this.read(1))[0];
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }
}
