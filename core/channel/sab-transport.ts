// The shared-memory transport: one SharedArrayBuffer holding two rings, core→
// worker and worker→core. Messages travel as text (wire.ts), encoded straight
// into the ring and decoded straight out of it. Between threads the buffer is
// an ordinary SharedArrayBuffer; between processes it is a memfd both map, and
// a doorbell carries the wake-ups (shm-transport.ts).

import { RingReader } from './ring-reader.js';
import { RingWriter } from './ring-writer.js';
import { RingRegion, ringRegionBytes } from './ring.js';
import type { Transport } from './transport.js';
import type { ChannelMessage } from './protocol.js';
import type { ProtocolViolation } from './violation.js';
import type { Waker } from './waker.js';
import { decodeMessage, encodeMessage } from './wire.js';

export type ChannelSide = 'core' | 'worker';

export interface SabTransportOptions {
  /** Carries the wake-ups between the ends; default Atomics (threads of one process). */
  waker?: Waker;
  /** Runs once, when this end closes (by `close` or because the other end closed). */
  onClose?: () => void;
}

/** A buffer for both rings of a channel, each with `ringBytes` of data; `allocate` must return it zeroed. */
export function allocateSabChannel(
  ringBytes: number,
  allocate: (bytes: number) => SharedArrayBuffer = (bytes) => new SharedArrayBuffer(bytes),
): SharedArrayBuffer {
  return allocate(2 * ringRegionBytes(ringBytes));
}

/** One side's end of the channel in `buffer` (from allocateSabChannel with the same `ringBytes`). */
export function openSabTransport<In extends ChannelMessage, Out extends ChannelMessage>(
  buffer: SharedArrayBuffer,
  ringBytes: number,
  side: ChannelSide,
  options: SabTransportOptions = {},
): Transport<In, Out> {
  const coreToWorker = new RingRegion(buffer, 0, ringBytes, options.waker);
  const workerToCore = new RingRegion(buffer, ringRegionBytes(ringBytes), ringBytes, options.waker);
  return side === 'core'
    ? new SabTransport<In, Out>(workerToCore, coreToWorker, options.onClose)
    : new SabTransport<In, Out>(coreToWorker, workerToCore, options.onClose);
}

class SabTransport<In extends ChannelMessage, Out extends ChannelMessage> implements Transport<In, Out> {
  private listener: ((message: In) => void) | undefined;
  private onViolation: ((reason: string) => void) | undefined;
  private readonly reader: RingReader;
  private readonly writer: RingWriter;
  private closed = false;

  constructor(
    inbound: RingRegion,
    outbound: RingRegion,
    private readonly onClose?: () => void,
  ) {
    this.reader = new RingReader(inbound);
    this.writer = new RingWriter(outbound, (violation) => this.reportViolation(violation));
  }

  send(message: Out): void {
    this.writer.send(encodeMessage(message));
  }

  onMessage(listener: (message: In) => void, onViolation?: (reason: string) => void): void {
    this.listener = listener;
    this.onViolation = onViolation;
    // When the other side closes, so does this one, as with a MessagePort.
    this.reader.start(this.receive, this.close, onViolation && this.reportViolation);
  }

  /** Either ring found the other end breaking its rules: told to the owner, or thrown (the worker's side has no owner to tell). */
  private readonly reportViolation = (violation: ProtocolViolation): void => {
    if (!this.onViolation) throw violation;
    this.onViolation(violation.message);
  };

  readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
    this.writer.close();
    this.onClose?.();
  };

  /** A frame that does not decode throws a ProtocolViolation: the reader stops and reports it. */
  private readonly receive = (bytes: Buffer, start: number, end: number): void => {
    this.listener!(decodeMessage(bytes, start, end) as In);
  };
}
