// The layout of one single-producer/single-consumer ring of bytes inside a
// SharedArrayBuffer, the format of its frames, and the handshake by which each
// end wakes the other. RingWriter and RingReader (one per side, possibly in
// different threads) share nothing but this.
//
// Region:  [control: 4 cache lines][data: capacity bytes]
// Control: each word on its own 64-byte line, so the writer's and the reader's
//          stores do not invalidate each other's cache lines.
// Indices: head (bytes written) and tail (bytes read) are free-running Int32
//          counters; with a power-of-two capacity, `(head - tail) | 0` is the
//          used byte count and `index & mask` the position, across overflow.
// Frames:  a 4-byte header (length, or a marker), 0 to 7 bytes of padding,
//          the payload, then padding to 4 bytes; always contiguous, so either
//          side can encode or decode in place. The first padding puts a
//          payload byte at offset k of its message at a position ≡ k (mod 8):
//          V8 copies shared memory byte by byte, 7× slower, when source and
//          target differ in alignment, and this keeps the copies into the
//          ring and out of it (when joining chunks) word-aligned
//          (`npm run bench -- channel`: channel.sab.1mib against memcpy.1mib).

import { atomicsWaker } from './atomics-wait.js';
import { RingWait } from './ring-wait.js';
import type { Waker } from './waker.js';

const CACHE_LINE_WORDS = 16;

/** Int32 index of the write counter (stored by the writer only). */
export const HEAD = 0;
/** Int32 index of the read counter (stored by the reader only). */
export const TAIL = CACHE_LINE_WORDS;
/** 1 while the reader waits on HEAD: only then must the writer notify. */
const READER_SLEEPING = 2 * CACHE_LINE_WORDS;
/** 1 while the writer waits on TAIL for room: only then must the reader notify. */
const WRITER_WAITING = 3 * CACHE_LINE_WORDS;

const DATA_WORD = 4 * CACHE_LINE_WORDS;
const CONTROL_BYTES = DATA_WORD * Int32Array.BYTES_PER_ELEMENT;

export const FRAME_HEADER_BYTES = 4;
/** Header flag: the payload continues in the next frame. */
export const MORE_CHUNKS = 1 << 30;
export const LENGTH_MASK = MORE_CHUNKS - 1;
/** Header of a frame with no payload that says: the rest of the ring is skipped, go on at position 0. */
export const WRAP_MARKER = -1;
/** Header of the last frame the writer ever writes: the stream is closed. */
export const END_MARKER = -2;

/** Larger messages are refused rather than chunked: nothing in plugd sends them on purpose. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

const MIN_RING_CAPACITY = 64;
/** Keeps `(head - tail) | 0`, at most the capacity, a positive Int32. */
const MAX_RING_CAPACITY = 1 << 30;

const WORD_ALIGNMENT = 8;

/** Where the payload of the frame at `position` starts, given the bytes of its message in earlier chunks. */
export function payloadStart(position: number, messageOffset: number): number {
  const afterHeader = position + FRAME_HEADER_BYTES;
  return afterHeader + ((messageOffset - afterHeader) & (WORD_ALIGNMENT - 1));
}

/** Where the next frame starts after a payload ending at `payloadEnd`. */
export function nextFrame(payloadEnd: number): number {
  return (payloadEnd + 3) & ~3;
}

/** Bytes of SharedArrayBuffer one ring of `capacity` data bytes needs (a multiple of 64). */
export function ringRegionBytes(capacity: number): number {
  assertCapacity(capacity);
  return CONTROL_BYTES + capacity;
}

function assertCapacity(capacity: number): void {
  const powerOfTwo = Number.isInteger(capacity) && capacity > 0 && (capacity & (capacity - 1)) === 0;
  if (!powerOfTwo || capacity < MIN_RING_CAPACITY || capacity > MAX_RING_CAPACITY) {
    throw new RangeError(
      `ring capacity must be a power of two from ${MIN_RING_CAPACITY} to ${MAX_RING_CAPACITY} bytes, got ${capacity}`,
    );
  }
}

/** Views over one ring's region; both the writer and the reader build one on the same bytes. */
export class RingRegion {
  /** Control words, and frame headers at DATA_WORD + position / 4. */
  readonly i32: Int32Array;
  /** The data area: frame payloads are read and written here in place. */
  readonly bytes: Buffer;
  readonly capacity: number;
  readonly mask: number;

  /** `waker` carries wake-ups between the two ends: the default between threads, a doorbell between processes. */
  constructor(
    buffer: SharedArrayBuffer,
    byteOffset: number,
    capacity: number,
    private readonly waker: Waker = atomicsWaker,
  ) {
    const regionBytes = ringRegionBytes(capacity);
    if (byteOffset % 64 !== 0 || byteOffset + regionBytes > buffer.byteLength) {
      throw new RangeError(
        `a ring of ${capacity} bytes does not fit at offset ${byteOffset} of a ${buffer.byteLength}-byte buffer`,
      );
    }
    this.i32 = new Int32Array(buffer, byteOffset, regionBytes / Int32Array.BYTES_PER_ELEMENT);
    this.bytes = Buffer.from(buffer, byteOffset + CONTROL_BYTES, capacity);
    this.capacity = capacity;
    this.mask = capacity - 1;
  }

  /** The header at `position`; only valid for positions the caller owns (published, not yet consumed). */
  header(position: number): number {
    return this.i32[DATA_WORD + (position >> 2)];
  }

  setHeader(position: number, header: number): void {
    this.i32[DATA_WORD + (position >> 2)] = header;
  }

  loadHead(): number {
    return Atomics.load(this.i32, HEAD);
  }

  loadTail(): number {
    return Atomics.load(this.i32, TAIL);
  }

  /** Writer: makes everything before `head` visible to a reader that is awake. */
  publishHead(head: number): void {
    Atomics.store(this.i32, HEAD, head);
  }

  /** Writer, after publishHead: whether the reader announced it sleeps (then wakeReader must follow). */
  readerSleeps(): boolean {
    return Atomics.load(this.i32, READER_SLEEPING) !== 0;
  }

  /** Writer, after publishHead: wakes the reader if it sleeps. */
  wakeReader(): void {
    this.waker.wakeIfWaiting(this.i32, READER_SLEEPING, HEAD);
  }

  /** Reader: hands the bytes before `tail` back to the writer, waking it if it waits for room. */
  publishTail(tail: number): void {
    Atomics.store(this.i32, TAIL, tail);
    this.waker.wakeIfWaiting(this.i32, WRITER_WAITING, TAIL);
  }

  /** Reader: its wait for the writer to publish; `onWake` runs once head has moved. */
  readerWait(onWake: () => void): RingWait {
    return new RingWait(this.waker, this.i32, READER_SLEEPING, HEAD, onWake);
  }

  /** Writer: its wait for the reader to make room; `onWake` runs once tail has moved. */
  writerWait(onWake: () => void): RingWait {
    return new RingWait(this.waker, this.i32, WRITER_WAITING, TAIL, onWake);
  }
}
