// The shared-memory transport between processes: the two rings of
// sab-transport.ts in a memfd named `plugd-<name>` that the core creates and
// the child inherits (so /proc/PID/maps of both shows it), and a doorbell
// (eventfd) per end for the wake-ups (doorbell-waker.ts).

import { closeSync } from 'node:fs';
import { DoorbellWaker } from './doorbell-waker.js';
import type { ChannelMessage } from './protocol.js';
import { allocateSabChannel, openSabTransport, type ChannelSide } from './sab-transport.js';
import type { SabShm } from './shm.js';
import type { Transport } from './transport.js';

/** The fds of one channel, in the order the child inherits them. */
export interface ShmFds {
  memory: number;
  /** Rung by the worker, watched by the core. */
  coreBell: number;
  /** Rung by the core, watched by the worker. */
  workerBell: number;
}

export interface ShmChannel<In, Out> {
  /** The core's end; closing it closes its doorbells. */
  local: Transport<In, Out>;
  /** For the child to inherit (spawn's `stdio`); close `memory` here once it is spawned, the bells stay with `local`. */
  fds: ShmFds;
}

/** The core's side: the memfd `plugd-<name>` with two rings of `ringBytes`, and the two doorbells. */
export function createShmChannel<In extends ChannelMessage, Out extends ChannelMessage>(
  shm: SabShm,
  name: string,
  ringBytes: number,
): ShmChannel<In, Out> {
  let memory = -1;
  const buffer = allocateSabChannel(ringBytes, (bytes) => {
    const region = shm.create(name, bytes);
    memory = region.fd;
    return region.buffer;
  });
  const fds = { memory, coreBell: shm.doorbell(), workerBell: shm.doorbell() };
  return { local: openEnd<In, Out>(shm, buffer, ringBytes, 'core', fds), fds };
}

/** The child's side, from the fds it inherited; closes the memfd once mapped. */
export function attachShmTransport<In extends ChannelMessage, Out extends ChannelMessage>(
  shm: SabShm,
  ringBytes: number,
  fds: ShmFds,
): Transport<In, Out> {
  const buffer = allocateSabChannel(ringBytes, (bytes) => shm.attach(fds.memory, bytes));
  closeSync(fds.memory);
  return openEnd<In, Out>(shm, buffer, ringBytes, 'worker', fds);
}

function openEnd<In extends ChannelMessage, Out extends ChannelMessage>(
  shm: SabShm,
  buffer: SharedArrayBuffer,
  ringBytes: number,
  side: ChannelSide,
  fds: ShmFds,
): Transport<In, Out> {
  const [ownBell, peerBell] = side === 'core' ? [fds.coreBell, fds.workerBell] : [fds.workerBell, fds.coreBell];
  const waker = new DoorbellWaker(shm, ownBell, peerBell);
  const onClose = (): void => {
    waker.close();
    closeSync(ownBell);
    closeSync(peerBell);
  };
  return openSabTransport<In, Out>(buffer, ringBytes, side, { waker, onClose });
}
