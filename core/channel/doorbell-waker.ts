// The Waker between processes. Atomics.waitAsync and Atomics.notify do not
// cross processes (V8 keeps its waiters per process), so each end has a
// doorbell (an eventfd its own event loop watches) and rings the other end's
// after the flag handshake of waker.ts says that end sleeps. One doorbell
// serves both waits of an end (its reader's and its writer's): a ring wakes
// each sleeper whose flag the other end lowered or whose word moved; the
// other sleeps on. Not the word alone: a late ring may lower the flag of a
// newer sleep whose word has not moved yet, and that sleeper must wake to
// raise its flag again (as Atomics.notify wakes it), or the next store would
// find the flag down and ring no one.

import type { DoorbellWatch, SabShm } from './shm.js';
import { lowerFlag, raiseFlag, type Waker } from './waker.js';

interface Sleeper {
  i32: Int32Array;
  flag: number;
  index: number;
  expected: number;
  wake: () => void;
}

export class DoorbellWaker implements Waker {
  private sleepers: Sleeper[] = [];
  private readonly watch: DoorbellWatch;
  private closed = false;

  /** Sleeps on the doorbell `ownBell`, wakes the other end by ringing `peerBell`; both stay open until `close`. */
  constructor(
    private readonly shm: SabShm,
    ownBell: number,
    private readonly peerBell: number,
  ) {
    this.watch = shm.watch(ownBell, this.onRing);
    // As a pending waitAsync, a sleep does not keep the process alive: RingWait's hold does.
    this.watch.unref();
  }

  announceWait(i32: Int32Array, flag: number, index: number, expected: number): Promise<unknown> | null {
    if (this.closed || !raiseFlag(i32, flag, index, expected)) return null;
    return new Promise<void>((wake) => this.sleepers.push({ i32, flag, index, expected, wake }));
  }

  wakeIfWaiting(i32: Int32Array, flag: number): void {
    // Once closed, the peer's fd may be closed too, and its number reused: never write to it.
    if (!this.closed && lowerFlag(i32, flag)) this.shm.ring(this.peerBell);
  }

  cancelWait(i32: Int32Array, index: number): void {
    this.settle((sleeper) => sleeper.i32 === i32 && sleeper.index === index);
  }

  /** Stops watching and wakes every sleeper; the caller closes the fds after this. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch.close();
    this.settle(() => true);
  }

  private readonly onRing = (): void => {
    this.settle(
      ({ i32, flag, index, expected }) => Atomics.load(i32, flag) === 0 || Atomics.load(i32, index) !== expected,
    );
  };

  private settle(due: (sleeper: Sleeper) => boolean): void {
    if (this.sleepers.length === 0) return;
    const staying: Sleeper[] = [];
    for (const sleeper of this.sleepers) {
      if (due(sleeper)) sleeper.wake();
      else staying.push(sleeper);
    }
    this.sleepers = staying;
  }
}
