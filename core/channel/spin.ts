// A side of a ring about to sleep (a reader waiting for a frame, a writer
// waiting for room) first spins a few microseconds: waking from
// Atomics.waitAsync costs a trip through the event loop, and on this VM tens
// of microseconds for a sleeping CPU to wake, while a peer that answers
// quickly is caught by spinning for almost nothing. Spinning pays only while
// the peer does answer within the budget, so a SpinPolicy stops after a few
// misses in a row (a slow plugin, an idle channel) and then spins only now
// and then, to notice the peer is quick again. The spin runs after the event
// loop's I/O (setImmediate), so on the main thread it delays other work by
// at most one budget.
//
// Budgets, measured on 2 cores (`npm run bench -- channel`: channel.sab.small.c1
// and .c32): the worker's 30 µs turned channel round trips at one in flight
// from ~20k/s into ~75k/s; the main thread's 50 µs lifted 32 in flight from
// ~790k/s to ~880-1,000k/s (a main thread that never spun slept 3,000-5,000
// times a second, ~80 µs each). Daemon calls end to end (`npm run bench -- rpc`),
// where the bench client shares the cores, neither gain nor lose by it.

import { isMainThread } from 'node:worker_threads';

/** How long a spin lasts before giving up and sleeping. */
export const SPIN_MS = isMainThread ? 0.05 : 0.03;

/** Clock reads are dearer than loads: read it once per this many checks. */
const CHECKS_PER_CLOCK_READ = 64;

/** Busy-waits while `i32[index] === value`, at most `budgetMs`; true if it changed. */
export function spinWhileEqual(i32: Int32Array, index: number, value: number, budgetMs: number): boolean {
  const deadline = performance.now() + budgetMs;
  do {
    for (let check = 0; check < CHECKS_PER_CLOCK_READ; check++) {
      if (Atomics.load(i32, index) !== value) return true;
    }
  } while (performance.now() < deadline);
  return false;
}

/** Spins that found nothing, in a row, after which waits stop spinning. */
const MISSES_BEFORE_PAUSE = 4;
/** While paused, one wait in this many still spins. */
const PROBE_EVERY = 16;

/** Whether a side's next wait should spin first, from what its recent spins caught. */
export class SpinPolicy {
  private misses = 0;
  private pausedWaits = 0;

  shouldSpin(): boolean {
    return this.misses < MISSES_BEFORE_PAUSE || ++this.pausedWaits % PROBE_EVERY === 0;
  }

  record(caught: boolean): void {
    if (caught) {
      this.misses = 0;
      this.pausedWaits = 0;
    } else {
      this.misses++;
    }
  }
}
