// One end's wait for the other end to move a word of the ring: the reader
// waits for head, the writer for tail. After the event loop's pending I/O it
// spins briefly while spinning pays (spin.ts), then sleeps behind the flag
// handshake (waker.ts), holds the event loop meanwhile, and re-checks the
// word on every tick of that hold. On Node 20, with
// Atomics.notify(…, 1), we saw a notified waitAsync promise never settle (a
// stall in about half of our benchmark runs); notifying all waiters made it
// go away, and this re-check turns any lost wake-up left into a delay of one
// tick instead of a stall.

import { EventLoopHold } from './event-loop-hold.js';
import { SPIN_MS, SpinPolicy, spinWhileEqual } from './spin.js';
import type { Waker } from './waker.js';

const RECHECK_MS = 250;

export class RingWait {
  /** Id of the armed wait (spinning or asleep), 0 if none: a wait settled after a re-check woke us is stale and ignored. */
  private armed = 0;
  private lastId = 0;
  private expected = 0;
  private readonly hold = new EventLoopHold(() => this.recheck(), RECHECK_MS);
  private readonly spin = new SpinPolicy();

  constructor(
    private readonly waker: Waker,
    private readonly i32: Int32Array,
    private readonly flag: number,
    private readonly index: number,
    private readonly onWake: () => void,
  ) {}

  /** Keeps the thread alive (until `release`), as long as there is something to wait for. */
  keepAlive(): void {
    this.hold.hold();
  }

  release(): void {
    this.hold.release();
  }

  /** Calls onWake (never synchronously) once the word has left `expected`. */
  waitWhile(expected: number): void {
    if (!this.spin.shouldSpin()) return this.sleep(expected);
    this.arm(expected);
    setImmediate(this.spinThenSleep);
  }

  /** Drops the pending wait, if any (on close); onWake will not be called for it. */
  cancel(): void {
    this.armed = 0;
    this.release();
    this.waker.cancelWait(this.i32, this.index);
  }

  private readonly spinThenSleep = (): void => {
    if (this.armed === 0) return; // Cancelled, or woken by a re-check, meanwhile.
    this.armed = 0;
    const moved = spinWhileEqual(this.i32, this.index, this.expected, SPIN_MS);
    this.spin.record(moved);
    if (moved) this.onWake();
    else this.sleep(this.expected);
  };

  /** Sleeps until the word leaves `expected`; if it already has, wakes in a microtask (keeping the stack flat). */
  private sleep(expected: number): void {
    const wait = this.waker.announceWait(this.i32, this.flag, this.index, expected);
    if (!wait) {
      queueMicrotask(this.onWake);
      return;
    }
    const id = this.arm(expected);
    void wait.then(() => this.wake(id));
  }

  private arm(expected: number): number {
    this.expected = expected;
    return (this.armed = ++this.lastId);
  }

  private recheck(): void {
    if (this.armed !== 0 && Atomics.load(this.i32, this.index) !== this.expected) this.wake(this.armed);
  }

  private wake(id: number): void {
    if (id !== this.armed) return;
    this.armed = 0;
    Atomics.store(this.i32, this.flag, 0);
    this.onWake();
  }
}
