// The Waker between threads of one process: Atomics.waitAsync and
// Atomics.notify, behind the flag handshake of waker.ts.
//
// Atomics.waitAsync is in Node 20 but in TypeScript's ES2024 lib, and this
// project compiles against ES2023: this file is its one typed entry point.

import { lowerFlag, raiseFlag, type Waker } from './waker.js';

type WaitAsyncResult =
  { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };

const atomics = Atomics as typeof Atomics & {
  waitAsync(typedArray: Int32Array, index: number, value: number): WaitAsyncResult;
};

export const atomicsWaker: Waker = {
  announceWait(i32, flag, index, expected) {
    if (raiseFlag(i32, flag, index, expected)) {
      const wait = atomics.waitAsync(i32, index, expected);
      if (wait.async) return wait.value;
    }
    Atomics.store(i32, flag, 0);
    return null;
  },

  wakeIfWaiting(i32, flag, index) {
    // All waiters, not 1: the waiter is alone, and count 1 is what we saw lose wake-ups on Node 20.
    if (lowerFlag(i32, flag)) Atomics.notify(i32, index);
  },

  cancelWait(i32, index) {
    // Settles the waitAsync, so it does not stay registered.
    Atomics.notify(i32, index);
  },
};
