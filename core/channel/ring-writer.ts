// The producing end of a ring. `send` never blocks: what does not fit waits in
// a queue, in order, while the writer waits (waker.ts, off the event loop,
// after a brief spin: spin.ts) for the reader to make room.

import { Fifo } from './fifo.js';
import type { RingWait } from './ring-wait.js';
import { assertSendable, PayloadEncoder, payloadUnits, type FramePayload } from './frame-payload.js';
import {
  END_MARKER,
  FRAME_HEADER_BYTES,
  MORE_CHUNKS,
  nextFrame,
  payloadStart,
  type RingRegion,
  WRAP_MARKER,
} from './ring.js';
import { ProtocolViolation } from './violation.js';

/** Returned by writeFrom when the whole payload is in the ring. */
const WRITTEN = -1;
/** Always left free, so `close` can write its END frame even into a full ring. */
const END_RESERVE_BYTES = FRAME_HEADER_BYTES;
/** Small enough that the reader starts on a large payload while the rest is still being written. */
const MAX_FRAME_SHARE = 4;
/** A piece smaller than this is not worth a frame of its own: wrap or wait instead. */
const MIN_CHUNK_BYTES = 4096;
/** Header, up to 7 bytes of alignment padding, and room for any UTF-8 character. */
const MIN_FRAME_BYTES = 16;

export class RingWriter {
  private head: number;
  /** The reader's tail as last loaded; reloaded only when it looks short of room. */
  private knownTail: number;
  private readonly maxFrameBytes: number;
  private readonly minChunkBytes: number;
  /** Payloads waiting for room, oldest first; the first may be partly written already. */
  private readonly queue = new Fifo<FramePayload>();
  /** How far into queue[0] (in payloadUnits) is written. */
  private queuedFrom = 0;
  /** Bytes of the message being written that earlier chunks hold. */
  private messageOffset = 0;
  private closed = false;
  private wakeScheduled = false;
  private readonly encoder = new PayloadEncoder();
  private readonly wait: RingWait;

  /** `onViolation` hears of a tail the reader could not have written (then the writer stops); thrown without one. */
  constructor(
    private readonly ring: RingRegion,
    private readonly onViolation?: (violation: ProtocolViolation) => void,
  ) {
    this.head = ring.loadHead();
    this.knownTail = ring.loadTail();
    this.wait = ring.writerWait(this.flush);
    this.maxFrameBytes = Math.max(MIN_FRAME_BYTES, ring.capacity / MAX_FRAME_SHARE);
    // Then a writer facing an empty ring always progresses: a chunk fits either before the end or after a wrap.
    this.minChunkBytes = Math.min(MIN_CHUNK_BYTES, this.maxFrameBytes);
  }

  /** Writes `payload` as one frame (chunked if need be), or queues it behind earlier ones. Ignored once closed. */
  send(payload: FramePayload): void {
    assertSendable(payload);
    if (this.closed) return;
    if (this.queue.size > 0) {
      this.queue.push(payload);
      return;
    }
    const resumeFrom = this.writeFrom(payload, 0);
    if (resumeFrom === WRITTEN) return;
    this.queue.push(payload);
    this.queuedFrom = resumeFrom;
    this.waitForRoom();
  }

  /** Drops what is queued and tells the reader the stream has ended. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.messageOffset = 0;
    this.publish(this.head & this.ring.mask, END_MARKER, FRAME_HEADER_BYTES);
    this.ring.wakeReader();
    this.wait.cancel();
  }

  private readonly flush = (): void => {
    if (this.closed) return;
    const queue = this.queue;
    while (queue.size > 0) {
      const resumeFrom = this.writeFrom(queue.peek(), this.queuedFrom);
      if (this.closed) return; // A violation stopped the writer.
      if (resumeFrom !== WRITTEN) {
        this.queuedFrom = resumeFrom;
        this.waitForRoom();
        return;
      }
      queue.drop();
      this.queuedFrom = 0;
    }
    this.wait.release();
  };

  /**
   * Writes `payload` from unit `from` on while there is room; WRITTEN when done,
   * else where to resume. A sleeping reader is woken once the current run of
   * sends is over (a microtask), not per frame: a notify to another thread
   * costs ~10-20 µs here (channel.sab.small.c32 of `npm run bench -- channel`
   * pays it per batch), a batch of replies needs only one, and a message is
   * of no use to the reader before its last chunk anyway.
   */
  private writeFrom(payload: FramePayload, from: number): number {
    let resumeFrom: number;
    try {
      resumeFrom = this.writeWhileRoom(payload, from);
    } catch (error) {
      if (!(error instanceof ProtocolViolation)) throw error;
      this.violated(error);
      return WRITTEN;
    }
    if (!this.wakeScheduled && this.ring.readerSleeps()) {
      this.wakeScheduled = true;
      queueMicrotask(this.wakeReader);
    }
    return resumeFrom;
  }

  /** The reader broke the ring's rules: nothing more is written (what waits is dropped), and the owner is told. */
  private violated(violation: ProtocolViolation): void {
    this.closed = true;
    this.queue.clear();
    this.wait.cancel();
    if (!this.onViolation) throw violation;
    this.onViolation(violation);
  }

  private readonly wakeReader = (): void => {
    this.wakeScheduled = false;
    this.ring.wakeReader();
  };

  private writeWhileRoom(payload: FramePayload, from: number): number {
    const { ring, encoder } = this;
    const units = payloadUnits(payload);
    for (;;) {
      const position = this.head & ring.mask;
      const roomToEnd = ring.capacity - position;
      const free = this.freeBytes(Math.min(roomToEnd, this.maxFrameBytes));
      const frameRoom = Math.min(free, roomToEnd, this.maxFrameBytes);
      const start = payloadStart(position, this.messageOffset);
      const room = position + frameRoom - start;
      if (room >= 0) {
        encoder.encode(payload, from, ring.bytes, start, room);
        const complete = encoder.reached === units;
        // A payload that does not fit is split only into pieces worth a frame.
        if (complete || frameRoom >= this.minChunkBytes) {
          const header = complete ? encoder.written : encoder.written | MORE_CHUNKS;
          this.publish(position, header, nextFrame(start + encoder.written) - position);
          this.messageOffset = complete ? 0 : this.messageOffset + encoder.written;
          if (complete) return WRITTEN;
          from = encoder.reached;
          continue;
        }
      }
      // Too little room: if the end of the ring is in the way, skip to its start; if the reader is, wait.
      if (roomToEnd >= this.minChunkBytes || roomToEnd > free) return from;
      this.publish(position, WRAP_MARKER, roomToEnd);
    }
  }

  /** Free bytes (less the END reserve); reloads the tail only if the cached one leaves fewer than `wanted`. */
  private freeBytes(wanted: number): number {
    const usable = this.ring.capacity - END_RESERVE_BYTES;
    let free = usable - ((this.head - this.knownTail) | 0);
    if (free < wanted) {
      this.knownTail = this.checkedTail();
      free = usable - ((this.head - this.knownTail) | 0);
    }
    return free;
  }

  /** The reader's tail, checked: at most one capacity behind the head, never ahead of it, on a frame boundary. */
  private checkedTail(): number {
    const tail = this.ring.loadTail();
    const used = (this.head - tail) | 0;
    if (used < 0 || used > this.ring.capacity || (tail & 3) !== 0) {
      throw new ProtocolViolation(`ring tail ${tail} is not a valid index for head ${this.head}`);
    }
    return tail;
  }

  /** Writes the header at `position` and hands the frame's `bytes` to the reader (if awake). */
  private publish(position: number, header: number, bytes: number): void {
    this.ring.setHeader(position, header);
    this.head = (this.head + bytes) | 0;
    this.ring.publishHead(this.head);
  }

  /** Waits (spinning first while that pays) for the reader to make room; `send` returns at once meanwhile. */
  private waitForRoom(): void {
    this.wait.keepAlive();
    this.wait.waitWhile(this.knownTail);
  }
}
