// The consuming end of a ring. Each wake-up drains every frame available, then
// the reader sleeps (waker.ts: the event loop stays free), after a spin of a
// few microseconds while spinning catches frames (spin.ts).

import { FrameAssembler } from './frame-assembler.js';
import type { RingWait } from './ring-wait.js';
import { END_MARKER, LENGTH_MASK, MORE_CHUNKS, nextFrame, payloadStart, type RingRegion, WRAP_MARKER } from './ring.js';

/** Receives one whole frame: `bytes[start, end)`, valid only during the call. */
export type FrameHandler = (bytes: Buffer, start: number, end: number) => void;

export class RingReader {
  private tail: number;
  private onFrame: FrameHandler | undefined;
  private onEnd: (() => void) | undefined;
  private closed = false;
  private readonly assembler = new FrameAssembler();
  private readonly wait: RingWait;

  constructor(private readonly ring: RingRegion) {
    this.tail = ring.loadTail();
    this.wait = ring.readerWait(this.pump);
  }

  /**
   * Starts delivering frames, in order, to `onFrame`, and keeps the thread alive
   * until `close` or until the writer closes (then `onEnd` is called). Once only.
   */
  start(onFrame: FrameHandler, onEnd?: () => void): void {
    if (this.onFrame || this.closed) return;
    this.onFrame = onFrame;
    this.onEnd = onEnd;
    this.wait.keepAlive();
    this.pump();
  }

  /** Stops delivery at once, even in the middle of a batch. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wait.cancel();
  }

  /** Drains, then waits for the next frame (spinning first while that pays). */
  private readonly pump = (): void => {
    if (this.closed) return;
    this.drain();
    if (!this.closed) this.wait.waitWhile(this.tail);
  };

  /** Delivers every frame written so far, including those written while it runs. */
  private drain(): void {
    const ring = this.ring;
    let head = ring.loadHead();
    while (this.tail !== head && !this.closed) {
      const position = this.tail & ring.mask;
      const header = ring.header(position);
      if (header === END_MARKER) {
        this.end();
        return;
      }
      const advance = header === WRAP_MARKER ? ring.capacity - position : this.take(position, header);
      this.release((this.tail + advance) | 0);
      if (this.tail === head) head = ring.loadHead();
    }
  }

  /** Delivers or joins the frame at `position`; returns the bytes it occupies. */
  private take(position: number, header: number): number {
    const { ring, assembler } = this;
    const start = payloadStart(position, assembler.length);
    const end = start + (header & LENGTH_MASK);
    if ((header & MORE_CHUNKS) !== 0) {
      assembler.append(ring.bytes, start, end);
    } else if (assembler.length === 0) {
      this.deliver(ring.bytes, start, end);
    } else {
      assembler.append(ring.bytes, start, end);
      this.deliver(assembler.bytes, 0, assembler.length);
      assembler.reset();
    }
    return nextFrame(end) - position;
  }

  private deliver(bytes: Buffer, start: number, end: number): void {
    try {
      this.onFrame!(bytes, start, end);
    } catch (error) {
      // A failing handler must not stall the ring: report it as uncaught, as an EventEmitter listener's would be.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private release(tail: number): void {
    this.tail = tail;
    this.ring.publishTail(tail);
  }

  private end(): void {
    this.close();
    this.onEnd?.();
  }
}
