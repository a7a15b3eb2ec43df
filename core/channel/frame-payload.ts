// What a ring frame carries: text, encoded as UTF-8 straight into the ring (no
// intermediate buffer), or bytes. A payload too large for the room at hand is
// written piece by piece: the encoder says how far each piece got.

import { MAX_MESSAGE_BYTES } from './ring.js';

export type FramePayload = string | Uint8Array;

/** UTF-8 takes at most 3 bytes per UTF-16 code unit (4 for a surrogate pair of 2 units). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/** Throws if `payload` is over MAX_MESSAGE_BYTES, before any of it is written. */
export function assertSendable(payload: FramePayload): void {
  const bytes =
    typeof payload !== 'string'
      ? payload.byteLength
      : payload.length * MAX_UTF8_BYTES_PER_UNIT <= MAX_MESSAGE_BYTES
        ? payload.length
        : Buffer.byteLength(payload);
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new RangeError(`channel message of ${bytes} bytes exceeds the limit of ${MAX_MESSAGE_BYTES} bytes (256 MiB)`);
  }
}

/** The payload's length in the units the encoder counts progress in: UTF-16 code units or bytes. */
export function payloadUnits(payload: FramePayload): number {
  return typeof payload === 'string' ? payload.length : payload.byteLength;
}

/** Writes payloads into frames; its fields hold the outcome of the last `encode` (no allocation per frame). */
export class PayloadEncoder {
  /** Bytes the last `encode` wrote. */
  written = 0;
  /** Where in the payload (in payloadUnits) the last `encode` stopped. */
  reached = 0;
  private readonly textEncoder = new TextEncoder();

  /** Writes as much of `payload`, from unit `from` on, as fits in `target[start, start + room)`. */
  encode(payload: FramePayload, from: number, target: Buffer, start: number, room: number): void {
    if (typeof payload === 'string') this.encodeText(payload, from, target, start, room);
    else this.copyBytes(payload, from, target, start, room);
  }

  private encodeText(text: string, from: number, target: Buffer, start: number, room: number): void {
    const rest = from === 0 ? text : text.slice(from);
    if (rest.length * MAX_UTF8_BYTES_PER_UNIT <= room) {
      // Certain to fit: Buffer#write needs no view and returns no object.
      this.written = target.write(rest, start, room);
      this.reached = text.length;
      return;
    }
    const { read, written } = this.textEncoder.encodeInto(rest, target.subarray(start, start + room));
    this.written = written;
    this.reached = from + read;
  }

  private copyBytes(bytes: Uint8Array, from: number, target: Buffer, start: number, room: number): void {
    const count = Math.min(room, bytes.byteLength - from);
    target.set(bytes.subarray(from, from + count), start);
    this.written = count;
    this.reached = from + count;
  }
}
