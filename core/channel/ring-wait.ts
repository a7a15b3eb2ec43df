// One end's wait for the other end to move a word of the ring: the reader
// waits for head, the writer for tail. It sleeps on Atomics.waitAsync behind
// the flag handshake (atomics-wait.ts), holds the event loop meanwhile, and
// re-checks the word on every tick of that hold. On Node 20, with
// Atomics.notify(…, 1), we saw a notified waitAsync promise never settle (a
// stall in about half of our benchmark runs); notifying all waiters made it
// go away, and this re-check turns any lost wake-up left into a delay of one
// tick instead of a stall.

import { announceWait } from './atomics-wait.js';
import { EventLoopHold } from './event-loop-hold.js';

const RECHECK_MS = 250;

export class RingWait {
  /** Id of the armed wait, 0 if none: a wait settled after a re-check woke us is stale and ignored. */
  private armed = 0;
  private lastId = 0;
  private expected = 0;
  private readonly hold = new EventLoopHold(() => this.recheck(), RECHECK_MS);

  constructor(
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

  /** Sleeps until the word leaves `expected`, then calls onWake; false (no sleep) if it already has. */
  sleep(expected: number): boolean {
    const wait = announceWait(this.i32, this.flag, this.index, expected);
    if (!wait) return false;
    const id = ++this.lastId;
    this.armed = id;
    this.expected = expected;
    void wait.then(() => this.wake(id));
    return true;
  }

  /** Drops the pending wait, if any (on close); onWake will not be called for it. */
  cancel(): void {
    this.armed = 0;
    this.release();
    // Settles the waitAsync too, so it does not stay registered.
    Atomics.notify(this.i32, this.index);
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
