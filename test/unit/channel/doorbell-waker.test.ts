import test from 'ava';
import { DoorbellWaker } from '../../../core/channel/doorbell-waker.js';
import type { DoorbellWatch, SabShm } from '../../../core/channel/shm.js';
import type { Waker } from '../../../core/channel/waker.js';

/** The addon's doorbells within one process: a ring reaches the fd's watchers on a later turn of the event loop. */
function fakeShm(): SabShm & { rings: number } {
  const watchers = new Map<number, () => void>();
  return {
    rings: 0,
    ring(fd) {
      this.rings++;
      setImmediate(() => watchers.get(fd)?.());
    },
    watch(fd, onRing): DoorbellWatch {
      watchers.set(fd, onRing);
      return { ref() {}, unref() {}, close: () => watchers.delete(fd) };
    },
    create: () => {
      throw new Error('not in this fake');
    },
    attach: () => {
      throw new Error('not in this fake');
    },
    doorbell: () => 0,
    notify: () => {
      throw new Error('not in this fake');
    },
    endWithParent: () => undefined,
  };
}

const FLAG = 0;
const WORD = 16;
const OTHER_FLAG = 32;
const OTHER_WORD = 48;

/** Two ends of one channel: `sleeper` waits, `waker` (the other process) stores and wakes it. */
function ends(): { shm: ReturnType<typeof fakeShm>; sleeper: DoorbellWaker; waker: Waker; i32: Int32Array } {
  const shm = fakeShm();
  return { shm, sleeper: new DoorbellWaker(shm, 1, 2), waker: new DoorbellWaker(shm, 2, 1), i32: new Int32Array(64) };
}

/** Lets every ring rung so far reach its watcher. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  void promise.then(() => (done = true));
  return () => done;
}

test('a store with nobody asleep rings no doorbell; a sleeper is rung once its word moved', async (t) => {
  const { shm, sleeper, waker, i32 } = ends();
  Atomics.store(i32, WORD, 1);
  waker.wakeIfWaiting(i32, FLAG, WORD);
  t.is(shm.rings, 0);
  const woken = settled(sleeper.announceWait(i32, FLAG, WORD, 1)!);
  t.is(Atomics.load(i32, FLAG), 1);
  Atomics.store(i32, WORD, 2);
  waker.wakeIfWaiting(i32, FLAG, WORD);
  waker.wakeIfWaiting(i32, FLAG, WORD);
  t.is(shm.rings, 1);
  await turn();
  t.true(woken());
});

test('a word that has moved already is not slept on', (t) => {
  const { sleeper, i32 } = ends();
  Atomics.store(i32, WORD, 5);
  t.is(sleeper.announceWait(i32, FLAG, WORD, 4), null);
  t.is(Atomics.load(i32, FLAG), 0);
});

test('a ring for one wait of an end leaves its other wait asleep, flag up', async (t) => {
  const { sleeper, waker, i32 } = ends();
  const reader = settled(sleeper.announceWait(i32, FLAG, WORD, 0)!);
  const writer = settled(sleeper.announceWait(i32, OTHER_FLAG, OTHER_WORD, 0)!);
  Atomics.store(i32, WORD, 1);
  waker.wakeIfWaiting(i32, FLAG, WORD);
  await turn();
  t.true(reader());
  t.false(writer());
  t.is(Atomics.load(i32, OTHER_FLAG), 1);
});

test('a late ring that lowered the flag of a newer sleep wakes it, though its word has not moved', async (t) => {
  const { sleeper, waker, i32 } = ends();
  void sleeper.announceWait(i32, FLAG, WORD, 0);
  Atomics.store(i32, WORD, 1);
  // The sleeping end noticed the store by itself (RingWait's re-check) and lowered its flag...
  Atomics.store(i32, FLAG, 0);
  // ...then slept again on the new value, before the other end's deferred wake-up ran.
  const newer = settled(sleeper.announceWait(i32, FLAG, WORD, 1)!);
  waker.wakeIfWaiting(i32, FLAG, WORD);
  t.is(Atomics.load(i32, FLAG), 0);
  await turn();
  // Asleep with its flag down, the next store would ring no one: it must wake and raise it again.
  t.true(newer());
});

test('cancelWait settles that wait only; close settles all and rings no more', async (t) => {
  const { shm, sleeper, i32 } = ends();
  const reader = settled(sleeper.announceWait(i32, FLAG, WORD, 0)!);
  const writer = settled(sleeper.announceWait(i32, OTHER_FLAG, OTHER_WORD, 0)!);
  sleeper.cancelWait(i32, WORD);
  await turn();
  t.true(reader());
  t.false(writer());
  sleeper.close();
  await turn();
  t.true(writer());
  Atomics.store(i32, FLAG, 1);
  (sleeper as Waker).wakeIfWaiting(i32, FLAG, WORD);
  t.is(shm.rings, 0);
  t.is(sleeper.announceWait(i32, FLAG, WORD, 0), null);
});
