// How one end of a ring sleeps until the other end moves a word, and how the
// other end wakes it: the seam between the ring and what carries a wake-up
// (Atomics.waitAsync/notify between threads: atomics-wait.ts; a doorbell
// between processes, where V8's waiters do not reach: doorbell-waker.ts).
//
// Every kind shares one handshake. The sleeper raises a flag and re-checks the
// word it waits on; the other end stores that word and then checks the flag.
// Both are seq-cst (Dekker), so either the sleeper sees the new value or the
// other end sees the flag: no lost wake-up, and no wake-up sent at all while
// nobody sleeps.

export interface Waker {
  /**
   * Raises `i32[flag]` and sleeps while `i32[index] === expected`. Returns a
   * promise that settles once woken, or null (flag lowered again) when the
   * word has moved already. The pending sleep does not keep the event loop alive.
   */
  announceWait(i32: Int32Array, flag: number, index: number, expected: number): Promise<unknown> | null;
  /** After storing `i32[index]`: wakes the other end if it announced a wait on it (once per announcement). */
  wakeIfWaiting(i32: Int32Array, flag: number, index: number): void;
  /** Settles this end's pending sleep on `i32[index]`, if any, without a change (on close). */
  cancelWait(i32: Int32Array, index: number): void;
}

/** The sleeper's half: raises the flag; true if `i32[index]` still holds `expected` (sleep), else lowers it again. */
export function raiseFlag(i32: Int32Array, flag: number, index: number, expected: number): boolean {
  Atomics.store(i32, flag, 1);
  if (Atomics.load(i32, index) === expected) return true;
  Atomics.store(i32, flag, 0);
  return false;
}

/** The waker's half, after its store: lowers the flag if it was raised; true if so (then wake the sleeper). */
export function lowerFlag(i32: Int32Array, flag: number): boolean {
  return Atomics.load(i32, flag) !== 0 && Atomics.compareExchange(i32, flag, 1, 0) === 1;
}
