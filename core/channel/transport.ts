// The interface every channel implementation shares: between threads, the
// shared-memory ring (the default) and the postMessage baseline the
// benchmarks compare it with; between processes, the ring in shared memory
// (the native addon) and the IPC pipe (without it).

import type { MessagePort, Transferable } from 'node:worker_threads';

/** One end of a bidirectional message channel between the core and a worker. */
export interface Transport<In, Out> {
  /** Queue a message for the other side. Never blocks; a full ring queues in memory. */
  send(message: Out): void;
  /**
   * Set the single listener for messages from the other side (delivered in
   * order), and the one for bytes the other side sent that break the channel's
   * framing (then nothing more is delivered). Messages that parse are passed on
   * unchecked: their shape is the receiver's to check.
   */
  onMessage(listener: (message: In) => void, onViolation?: (reason: string) => void): void;
  /** Stop reading and release the handles that keep the thread alive. Idempotent. */
  close(): void;
}

export type ChannelKind = 'sab' | 'postmessage';

/** Channels to a plugin in its own process: a ring in a shared memfd, or the child's IPC pipe when the addon is missing. */
export type ProcessChannelKind = 'shm' | 'pipe';

/** What the child needs to attach its end: JSON, the fds numbered as the child sees them. */
export type ProcessChannelSpec =
  { kind: 'shm'; ringBytes: number; memoryFd: number; coreBellFd: number; workerBellFd: number } | { kind: 'pipe' };

/** What the worker needs to attach its end; passed in workerData (opaque to the host). */
export type ChannelSpec =
  { kind: 'sab'; buffer: SharedArrayBuffer; ringBytes: number } | { kind: 'postmessage'; port: MessagePort };

export interface OpenedChannel<In, Out> {
  /** The core's end. */
  local: Transport<In, Out>;
  /** Give this to the worker (workerData) with `transferList`. */
  spec: ChannelSpec;
  transferList: Transferable[];
}
