// The sleep/wake handshake shared by both ends of a ring. The waiting side
// raises a flag and re-checks the word it waits on; the other side stores that
// word and then checks the flag. Both are seq-cst (Dekker), so either the
// waiter sees the new value or the other side sees the flag: no lost wake-up,
// and no Atomics.notify at all while nobody sleeps.
//
// Atomics.waitAsync is in Node 20 but in TypeScript's ES2024 lib, and this
// project compiles against ES2023: this file is its one typed entry point.

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

const atomics = Atomics as typeof Atomics & {
  waitAsync(typedArray: Int32Array, index: number, value: number): WaitAsyncResult;
};

/**
 * Raises `i32[flag]` and waits while `i32[index] === expected`. Returns a
 * promise that settles on notify, or null (flag lowered again) when the value
 * has already changed. The pending wait does not keep the event loop alive.
 */
export function announceWait(i32: Int32Array, flag: number, index: number, expected: number): Promise<unknown> | null {
  Atomics.store(i32, flag, 1);
  if (Atomics.load(i32, index) === expected) {
    const wait = atomics.waitAsync(i32, index, expected);
    if (wait.async) return wait.value;
  }
  Atomics.store(i32, flag, 0);
  return null;
}

/** After storing `i32[index]`: wakes the other side if it announced a wait on it (once per announcement). */
export function wakeIfWaiting(i32: Int32Array, flag: number, index: number): void {
  if (Atomics.load(i32, flag) !== 0 && Atomics.compareExchange(i32, flag, 1, 0) === 1) {
    // All waiters, not 1: the waiter is alone, and count 1 is what we saw lose wake-ups on Node 20.
    Atomics.notify(i32, index);
  }
}
