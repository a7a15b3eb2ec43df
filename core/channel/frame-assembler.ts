// Joins the chunks of a frame the writer had to split (larger than the ring
// could hold in one piece) into one contiguous buffer for the reader.

/** Kept between messages up to this size, so a stream of large messages does not reallocate. */
const RETAINED_BYTES = 4 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export class FrameAssembler {
  /** Bytes joined so far; `bytes` holds them from 0. */
  length = 0;
  private buffer = EMPTY;

  /** The joined bytes (from 0 to `length`); valid until `reset`. */
  get bytes(): Buffer {
    return this.buffer;
  }

  append(source: Buffer, start: number, end: number): void {
    const needed = this.length + (end - start);
    if (needed > this.buffer.length) this.grow(needed);
    source.copy(this.buffer, this.length, start, end);
    this.length = needed;
  }

  reset(): void {
    this.length = 0;
    if (this.buffer.length > RETAINED_BYTES) this.buffer = EMPTY;
  }

  private grow(needed: number): void {
    // Doubling keeps the copies of a many-chunk frame linear in its size.
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.buffer.length));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
