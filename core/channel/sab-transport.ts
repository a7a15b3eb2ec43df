// The shared-memory transport: one SharedArrayBuffer holding two rings, core→
// worker and worker→core. Messages travel as text (wire.ts), encoded straight
// into the ring and decoded straight out of it.

import { RingReader } from './ring-reader.js';
import { RingWriter } from './ring-writer.js';
import { RingRegion, ringRegionBytes } from './ring.js';
import type { Transport } from './transport.js';
import type { ChannelMessage } from './protocol.js';
import { decodeMessage, encodeMessage } from './wire.js';

export type ChannelSide = 'core' | 'worker';

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
): Transport<In, Out> {
  const coreToWorker = new RingRegion(buffer, 0, ringBytes);
  const workerToCore = new RingRegion(buffer, ringRegionBytes(ringBytes), ringBytes);
  return side === 'core'
    ? new SabTransport<In, Out>(workerToCore, coreToWorker)
    : new SabTransport<In, Out>(coreToWorker, workerToCore);
}

class SabTransport<In extends ChannelMessage, Out extends ChannelMessage> implements Transport<In, Out> {
  private listener: ((message: In) => void) | undefined;
  private readonly reader: RingReader;
  private readonly writer: RingWriter;

  constructor(inbound: RingRegion, outbound: RingRegion) {
    this.reader = new RingReader(inbound);
    this.writer = new RingWriter(outbound);
  }

  send(message: Out): void {
    this.writer.send(encodeMessage(message));
  }

  onMessage(listener: (message: In) => void): void {
    this.listener = listener;
    // When the other side closes, so does this one, as with a MessagePort.
    this.reader.start(this.receive, this.close);
  }

  readonly close = (): void => {
    this.reader.close();
    this.writer.close();
  };

  private readonly receive = (bytes: Buffer, start: number, end: number): void => {
    this.listener!(decodeMessage(bytes, start, end) as In);
  };
}
