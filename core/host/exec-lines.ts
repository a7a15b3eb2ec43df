// Lines from a child's stdout or stderr (a stdio plugin's JSON-RPC, any
// plugin process's output for the log), each at most `maxBytes`: whatever the
// child writes (a flood without a newline included), the daemon holds no more
// than one line's worth of it. A line may end in CRLF.

export class LineCutter {
  private parts: Buffer[] = [];
  private size = 0;
  /** The line under way went past the limit: the rest of it, up to its newline, is dropped. */
  private cut = false;

  /** `tooLong` gets the first `maxBytes` of a line that is longer. */
  constructor(
    private readonly maxBytes: number,
    private readonly line: (text: string) => void,
    private readonly tooLong: (head: string) => void,
  ) {}

  push(chunk: Buffer): void {
    for (let start = 0; ;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) return this.append(chunk.subarray(start));
      this.append(chunk.subarray(start, newline));
      this.finish();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without its newline is a line all the same. */
  end(): void {
    if (this.size > 0) this.finish();
  }

  private append(piece: Buffer): void {
    if (this.cut || piece.length === 0) return;
    if (this.size + piece.length <= this.maxBytes) {
      this.parts.push(piece);
      this.size += piece.length;
      return;
    }
    this.parts.push(piece.subarray(0, this.maxBytes - this.size));
    const head = this.text();
    this.cut = true;
    this.tooLong(head);
  }

  private finish(): void {
    if (!this.cut) this.line(this.text().replace(/\r$/, ''));
    this.cut = false;
  }

  private text(): string {
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.size = 0;
    return text;
  }
}
