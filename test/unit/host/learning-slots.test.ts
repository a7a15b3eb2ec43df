// The slots that bound how many plugins learn their manifest at once.

import test from 'ava';
import { LearningSlots } from '../../../core/host/learning-slots.js';

test('learning slots: at most their size run at once, each waiter gets its turn, a failure frees its slot', async (t) => {
  const slots = new LearningSlots(2);
  let running = 0;
  let most = 0;
  const releases: Array<() => void> = [];
  const task = (fail: boolean) => () =>
    new Promise<string>((resolve, reject) => {
      running++;
      most = Math.max(most, running);
      releases.push(() => {
        running--;
        if (fail) reject(new Error('setup threw'));
        else resolve('done');
      });
    });
  const outcomes = [slots.run(task(true)), ...Array.from({ length: 4 }, () => slots.run(task(false)))];
  const settled = Promise.allSettled(outcomes);
  // Release whichever tasks run, until all five have run.
  for (let released = 0; released < 5; released++) {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    t.true(running <= 2);
    releases.shift()!();
  }
  const results = await settled;
  t.is(most, 2);
  t.is(results[0].status, 'rejected');
  t.deepEqual(
    results.slice(1).map((result) => result.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
  );
});
