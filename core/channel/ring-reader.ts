// The consuming end of a ring. Each wake-up drains the frames available, a
// bounded batch at a time (fair draining: between two batches, setImmediate
// lets the event loop run its timers and other I/O), then the reader sleeps (waker.ts: the event
// loop stays free), after a spin of a few microseconds while spinning catches
// frames (spin.ts).
//
// The other end may be hostile (a plugin can reach its ring's memory): every
// index, header and length it wrote is checked before use (ring-check.ts),
// and a broken one stops the reader and is reported as a violation, never
// followed.

import { FrameAssembler } from './frame-assembler.js';
import type { RingWait } from './ring-wait.js';
import {
  END_MARKER,
  LENGTH_MASK,
  MAX_MESSAGE_BYTES,
  MORE_CHUNKS,
  nextFrame,
  payloadStart,
  type RingRegion,
  WRAP_MARKER,
} from './ring.js';
import { ProtocolViolation } from './violation.js';

/** Receives one whole frame: `bytes[start, end)`, valid only during the call. */
export type FrameHandler = (bytes: Buffer, start: number, end: number) => void;

/** Told once, when the other end broke the ring's rules; the reader has stopped. */
export type ViolationHandler = (violation: ProtocolViolation) => void;

/**
 * A turn of the event loop (from the first delivery to the next setImmediate)
 * should take about this long. Delivery stops once the turn has run this long
 * or delivered its batch of frames, however often the reader was woken within
 * it (a wake-up may come as a microtask); the batch's size adapts to what the
 * turn really cost, since the work a frame starts may run after it, in the
 * microtasks that follow (a worker serialises its results there): a turn that
 * overran halves the next batch, a short one doubles it. A wake-up after the
 * reader slept starts small again (a slow start, as TCP's): a burst of heavy
 * calls after a quiet spell must not all land in one turn.
 */
const TURN_MS = 4;
const MIN_BATCH_FRAMES = 1;
const MAX_BATCH_FRAMES = 256;
const FIRST_BATCH_FRAMES = 8;

export class RingReader {
  private tail: number;
  private onFrame: FrameHandler | undefined;
  private onEnd: (() => void) | undefined;
  private onViolation: ViolationHandler | undefined;
  private closed = false;
  private readonly assembler = new FrameAssembler();
  private readonly wait: RingWait;
  private batchFrames = FIRST_BATCH_FRAMES;
  /** The current turn: open from its first delivery until its setImmediate (endTurn) runs. */
  private turnOpen = false;
  private turnStartedAt = 0;
  private turnFrames = 0;
  /** The last turn ended with frames left over: the next continues the burst rather than starting small. */
  private bursting = false;

  /** `maxMessageBytes` caps a message joined from chunks (the cap on chunks in flight). */
  constructor(
    private readonly ring: RingRegion,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {
    this.tail = ring.loadTail();
    this.wait = ring.readerWait(this.pump);
  }

  /**
   * Starts delivering frames, in order, to `onFrame`, and keeps the thread alive
   * until `close` or until the writer closes (then `onEnd` is called). A
   * violation of the ring's rules by the writer stops the reader and goes to
   * `onViolation` (thrown as uncaught without one). Once only.
   */
  start(onFrame: FrameHandler, onEnd?: () => void, onViolation?: ViolationHandler): void {
    if (this.onFrame || this.closed) return;
    this.onFrame = onFrame;
    this.onEnd = onEnd;
    this.onViolation = onViolation;
    this.wait.keepAlive();
    this.pump();
  }

  /** Stops delivery at once, even in the middle of a batch. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wait.cancel();
  }

  /** Drains what the turn's batch allows, then yields if there is more, or waits for the next frame (spinning first while that pays). */
  private readonly pump = (): void => {
    if (this.closed) return;
    if (!this.turnOpen) this.openTurn();
    let more: boolean;
    try {
      more = this.drain();
    } catch (error) {
      if (!(error instanceof ProtocolViolation)) throw error;
      this.violated(error);
      return;
    }
    if (this.closed) return;
    this.bursting = more;
    if (more) setImmediate(this.pump);
    else this.wait.waitWhile(this.tail);
  };

  private openTurn(): void {
    this.turnOpen = true;
    this.turnStartedAt = performance.now();
    this.turnFrames = 0;
    if (!this.bursting) this.batchFrames = FIRST_BATCH_FRAMES;
    setImmediate(this.endTurn);
  }

  /** Halves the batch after a turn that overran, doubles it after a short one. */
  private readonly endTurn = (): void => {
    this.turnOpen = false;
    const turnMs = performance.now() - this.turnStartedAt;
    this.batchFrames =
      turnMs > TURN_MS
        ? Math.max(MIN_BATCH_FRAMES, this.batchFrames >> 1)
        : Math.min(MAX_BATCH_FRAMES, this.batchFrames * 2);
  };

  /** Delivers the frames written so far, up to the turn's batch; true if frames are left for the next turn. */
  private drain(): boolean {
    const ring = this.ring;
    let head = this.checkedHead();
    while (this.tail !== head && !this.closed) {
      if (this.turnFrames === this.batchFrames || performance.now() - this.turnStartedAt > TURN_MS) return true;
      this.turnFrames++;
      const position = this.tail & ring.mask;
      const used = (head - this.tail) | 0;
      const header = ring.header(position);
      if (header === END_MARKER) {
        this.end();
        return false;
      }
      const advance = header === WRAP_MARKER ? ring.capacity - position : this.take(position, header, used);
      if (advance > used) throw new ProtocolViolation(`ring frame at ${position} runs past the bytes written`);
      this.release((this.tail + advance) | 0);
      if (this.tail === head) head = this.checkedHead();
    }
    return false;
  }

  /** The writer's head, checked: within one capacity ahead of the tail, and on a frame boundary. */
  private checkedHead(): number {
    const head = this.ring.loadHead();
    const used = (head - this.tail) | 0;
    if (used < 0 || used > this.ring.capacity || (head & 3) !== 0) {
      throw new ProtocolViolation(`ring head ${head} is not a valid index for tail ${this.tail}`);
    }
    return head;
  }

  /** Delivers or joins the frame at `position` (at most `used` bytes of it published); returns the bytes it occupies. */
  private take(position: number, header: number, used: number): number {
    const { ring, assembler } = this;
    if (header < 0) throw new ProtocolViolation(`ring frame at ${position} has an unknown marker ${header}`);
    const length = header & LENGTH_MASK;
    const start = payloadStart(position, assembler.length);
    const end = start + length;
    if (end > ring.capacity || nextFrame(end) - position > used) {
      throw new ProtocolViolation(`ring frame at ${position} claims ${length} bytes, past the bytes written`);
    }
    if (assembler.length + length > this.maxMessageBytes) {
      throw new ProtocolViolation(`a chunked message exceeds ${this.maxMessageBytes} bytes`);
    }
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
      // A frame the handler finds malformed is the writer's violation; go on to the reader's.
      if (error instanceof ProtocolViolation) throw error;
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

  private violated(violation: ProtocolViolation): void {
    this.close();
    this.assembler.reset();
    if (!this.onViolation) throw violation;
    this.onViolation(violation);
  }

  private end(): void {
    this.close();
    this.onEnd?.();
  }
}
