// Where a channel is made: the core opens it (and keeps one end), the worker
// attaches to the other end from the spec it got in workerData.

import { MessageChannel } from 'node:worker_threads';
import { PostMessageTransport } from './postmessage-transport.js';
import { allocateSabChannel, openSabTransport } from './sab-transport.js';
import type { ChannelMessage } from './protocol.js';
import type { ChannelKind, ChannelSpec, OpenedChannel, Transport } from './transport.js';

/** Data bytes of each of the two rings: room for many small messages, and large ones stream through in chunks. */
export const DEFAULT_RING_BYTES = 256 * 1024;

export interface ChannelOptions {
  /** Data bytes of each ring ('sab' only): a power of two, at least 64. */
  ringBytes?: number;
  /** Where to get the shared buffer ('sab' only), e.g. from a pool of zeroed buffers; default a new one. */
  allocate?: (bytes: number) => SharedArrayBuffer;
}

/** Opens a channel on the core side; give `spec` (in workerData) and `transferList` to the worker. */
export function openChannel<In extends ChannelMessage, Out extends ChannelMessage>(
  kind: ChannelKind,
  options: ChannelOptions = {},
): OpenedChannel<In, Out> {
  if (kind === 'postmessage') {
    const { port1, port2 } = new MessageChannel();
    return { local: new PostMessageTransport(port1), spec: { kind, port: port2 }, transferList: [port2] };
  }
  const ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES;
  const buffer = allocateSabChannel(ringBytes, options.allocate);
  return { local: openSabTransport(buffer, ringBytes, 'core'), spec: { kind, buffer, ringBytes }, transferList: [] };
}

/** The worker's end of the channel the core opened with `spec`. */
export function attachChannel<In extends ChannelMessage, Out extends ChannelMessage>(
  spec: ChannelSpec,
): Transport<In, Out> {
  return spec.kind === 'sab'
    ? openSabTransport(spec.buffer, spec.ringBytes, 'worker')
    : new PostMessageTransport(spec.port);
}
