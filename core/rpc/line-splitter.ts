// Splits a byte stream into newline-delimited lines, bounded in size. jayson's
// own tcp transport re-scans its whole buffer on every chunk (quadratic on big
// frames) and drops the connection on a bad line; this scans each byte once.

const NEWLINE = 0x0a;

export interface LineSplitterEvents {
  line(text: string): void;
  /** The current line passed `maxLineBytes` before its newline arrived. */
  overflow(): void;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly events: LineSplitterEvents,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      this.emit(chunk, start, end);
      start = end + 1;
    }
    if (start < chunk.length && !this.overflowed) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.maxLineBytes) this.overflow();
    }
  }

  /** The stream ended: a last line without its newline is a line all the same. */
  finish(): void {
    if (this.pending.length === 0 || this.overflowed) return;
    this.emit(Buffer.alloc(0), 0, 0);
  }

  private emit(chunk: Buffer, start: number, end: number): void {
    if (this.overflowed) return;
    let text: string;
    if (this.pending.length === 0) {
      if (end - start > this.maxLineBytes) return this.overflow();
      text = chunk.toString('utf8', start, end);
    } else {
      if (this.pendingBytes + end - start > this.maxLineBytes) return this.overflow();
      this.pending.push(chunk.subarray(start, end));
      text = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.events.line(text);
  }

  private overflow(): void {
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.events.overflow();
  }
}
