import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { RingReader } from '../../../core/channel/ring-reader.js';
import { RingWriter } from '../../../core/channel/ring-writer.js';
import { HEAD, MAX_MESSAGE_BYTES, RingRegion, ringRegionBytes, TAIL } from '../../../core/channel/ring.js';
import { expectedBytes, framePayload, type FrameSpec } from '../../fixtures/channel/frames.js';
import type { RingJob } from '../../fixtures/channel/ring-peer.js';

function newRing(capacity: number): { buffer: SharedArrayBuffer; ring: RingRegion } {
  const buffer = new SharedArrayBuffer(ringRegionBytes(capacity));
  return { buffer, ring: new RingRegion(buffer, 0, capacity) };
}

interface Received {
  bytes: Buffer;
  /** Delivered as a view of the ring itself, not of a buffer the chunks were joined in. */
  inPlace: boolean;
}

/** Reads `count` frames on this thread, copying each. */
function readFrames(ring: RingRegion, count: number): Promise<Received[]> {
  return new Promise((resolve) => {
    const reader = new RingReader(ring);
    const received: Received[] = [];
    reader.start((bytes, start, end) => {
      received.push({ bytes: Buffer.from(bytes.subarray(start, end)), inPlace: bytes === ring.bytes });
      if (received.length === count) {
        reader.close();
        resolve(received);
      }
    });
  });
}

function sendAll(ring: RingRegion, frames: FrameSpec[]): RingWriter {
  const writer = new RingWriter(ring);
  frames.forEach((spec, index) => writer.send(framePayload(spec, index)));
  return writer;
}

function assertFrames(received: Uint8Array[], frames: FrameSpec[]): void {
  assert.equal(received.length, frames.length);
  frames.forEach((spec, index) =>
    assert.deepEqual(Buffer.from(received[index]), expectedBytes(spec, index), `frame ${index}`),
  );
}

// ---- producer and consumer in different threads -----------------------------

/** Frame sizes around the ring's own: empty, tiny, odd, exactly the capacity, larger; and multi-byte text. */
function frameSpec(capacity: number): fc.Arbitrary<FrameSpec> {
  return fc.oneof(
    fc.constantFrom(0, 1, 3, capacity - 1, capacity, capacity + 1, 3 * capacity + 5),
    fc.nat({ max: 2 * capacity }),
    fc.string({ unit: 'binary', maxLength: capacity }),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
  );
}

const scenario = fc.constantFrom(64, 128, 1024).chain((capacity) =>
  fc.record({
    capacity: fc.constant(capacity),
    frames: fc.array(frameSpec(capacity), { minLength: 1, maxLength: 40 }),
    /** A reader that starts late meets a full ring and a writer far ahead with a queue. */
    readerDelayMs: fc.constantFrom(0, 0, 5),
  }),
);

let peer: Worker;
test.before(() => {
  peer = new Worker(new URL('../../fixtures/channel/ring-peer.ts', import.meta.url));
});
test.after.always(() => peer.terminate());

test.serial('frames written in a worker arrive intact and in order on the main thread', async (t) => {
  t.timeout(20_000, 'a frame was lost: the reader still waits');
  await t.notThrowsAsync(
    fc.assert(
      fc.asyncProperty(scenario, async ({ capacity, frames, readerDelayMs }) => {
        const { buffer, ring } = newRing(capacity);
        const job: RingJob = { role: 'produce', buffer, capacity, frames };
        peer.postMessage(job);
        await delay(readerDelayMs);
        assertFrames(
          (await readFrames(ring, frames.length)).map((frame) => frame.bytes),
          frames,
        );
      }),
      { numRuns: 60 },
    ),
  );
});

test.serial('frames written on the main thread arrive intact and in order in a (spinning) worker', async (t) => {
  t.timeout(20_000, 'a frame was lost: the reader still waits');
  await t.notThrowsAsync(
    fc.assert(
      fc.asyncProperty(scenario, async ({ capacity, frames, readerDelayMs }) => {
        const { buffer, ring } = newRing(capacity);
        const job: RingJob = { role: 'consume', buffer, capacity, count: frames.length, delayMs: readerDelayMs };
        const reply = once(peer, 'message');
        peer.postMessage(job);
        sendAll(ring, frames);
        const [received] = (await reply) as [Uint8Array[]];
        assertFrames(received, frames);
      }),
      { numRuns: 60 },
    ),
  );
});

// ---- one thread -------------------------------------------------------------

test('a frame that does not fit before the end goes whole to the start, read in place', async (t) => {
  const capacity = 1024;
  const { ring } = newRing(capacity);
  // 100-byte frames do not tile 1024 bytes: one ends short of the end, and the next starts over at 0.
  const frames = Array.from({ length: 10 }, () => 100);
  sendAll(ring, frames);
  const received = await readFrames(ring, frames.length);
  assertFrames(
    received.map((frame) => frame.bytes),
    frames,
  );
  t.true(Atomics.load(ring.i32, HEAD) > capacity);
  t.true(
    received.every((frame) => frame.inPlace),
    'no frame was split',
  );
});

test('a frame larger than the ring is chunked, queued behind a full ring and joined by the reader', async (t) => {
  const capacity = 256;
  const { ring } = newRing(capacity);
  const frames: FrameSpec[] = [10, 10 * capacity, 'é'.repeat(3 * capacity), 0, 7];
  sendAll(ring, frames);
  await delay(1);
  const received = await readFrames(ring, frames.length);
  assertFrames(
    received.map((frame) => frame.bytes),
    frames,
  );
  t.deepEqual(
    received.map((frame) => frame.inPlace),
    [true, false, false, true, true],
  );
});

test('the free-running counters cross 2^31 without losing a byte', async (t) => {
  const { ring } = newRing(128);
  const nearOverflow = 2 ** 31 - 64;
  Atomics.store(ring.i32, HEAD, nearOverflow | 0);
  Atomics.store(ring.i32, TAIL, nearOverflow | 0);
  const frames = Array.from({ length: 50 }, (_, index) => (index * 5) % 40);
  sendAll(ring, frames);
  assertFrames(
    (await readFrames(ring, frames.length)).map((frame) => frame.bytes),
    frames,
  );
  t.true(Atomics.load(ring.i32, TAIL) < 0);
});

test('an absurdly large message is refused with a clear error and nothing written', (t) => {
  const { ring } = newRing(64);
  const writer = new RingWriter(ring);
  const error = t.throws(() => writer.send(new Uint8Array(MAX_MESSAGE_BYTES + 1)), { instanceOf: RangeError });
  t.regex(error.message, /268435457 bytes exceeds the limit of 268435456 bytes/);
  t.is(Atomics.load(ring.i32, HEAD), 0);
});

test('closing the writer, even on a full ring, ends the reader after the frames already in the ring', async (t) => {
  const { ring } = newRing(64);
  const frames = Array.from({ length: 8 }, () => 10);
  const writer = sendAll(ring, frames);
  writer.close();
  writer.send(new Uint8Array(4));
  const received: Buffer[] = [];
  await new Promise<void>((resolve) =>
    new RingReader(ring).start((bytes, start, end) => received.push(Buffer.from(bytes.subarray(start, end))), resolve),
  );
  // The ring held some of the frames whole; the rest (queued, or partly written) are dropped.
  t.true(received.length > 0 && received.length < frames.length);
  assertFrames(received, frames.slice(0, received.length));
});

test('closing the reader stops delivery at once, even within a batch', async (t) => {
  const { ring } = newRing(1024);
  const writer = sendAll(ring, [1, 2, 3]);
  const reader = new RingReader(ring);
  const received: number[] = [];
  reader.start((_bytes, start, end) => {
    received.push(end - start);
    reader.close();
  });
  writer.send(new Uint8Array(4));
  await delay(5);
  t.deepEqual(received, [1]);
});

test('a lost wake-up (a notify that never arrives) delays delivery, never stalls it', async (t) => {
  t.timeout(5_000, 'the reader stalled');
  const { ring } = newRing(64);
  const received = readFrames(ring, 1);
  await delay(5);
  const notify = Atomics.notify;
  Atomics.notify = () => 0;
  try {
    // The writer sees the reader asleep, lowers its flag and "notifies": nothing wakes it but its re-check.
    sendAll(ring, [9]);
    await delay(0);
  } finally {
    Atomics.notify = notify;
  }
  const frames = (await received).map((frame) => frame.bytes);
  t.notThrows(() => assertFrames(frames, [9]));
});
