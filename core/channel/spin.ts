// In a worker, a reader waiting for a frame (or a writer waiting for room)
// spins a few microseconds before it sleeps: waking from Atomics.waitAsync
// costs a trip through the event loop, while a peer that answers quickly is
// caught by spinning for almost nothing. The main thread never spins: its
// event loop serves everything else. (Measured on 2 cores: without the spin,
// channel round trips fall to a third, and daemon calls gain nothing.)

import { isMainThread } from 'node:worker_threads';

/** How long a spin lasts before giving up and sleeping; 0 (never) on the main thread. */
export const SPIN_MS = isMainThread ? 0 : 0.03;

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
