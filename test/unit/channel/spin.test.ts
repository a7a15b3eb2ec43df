// The spin policy: spin while spinning catches the peer; after a run of
// misses, spin only now and then, until a spin catches it again.

import test from 'ava';
import { SpinPolicy } from '../../../core/channel/spin.js';

/** How many of the next `waits` waits would spin, each spin missing. */
function spinsAmongMissedWaits(policy: SpinPolicy, waits: number): number {
  let spins = 0;
  for (let wait = 0; wait < waits; wait++) {
    if (!policy.shouldSpin()) continue;
    spins++;
    policy.record(false);
  }
  return spins;
}

test('a side spins while its spins catch the peer', (t) => {
  const policy = new SpinPolicy();
  for (let wait = 0; wait < 100; wait++) {
    t.true(policy.shouldSpin());
    policy.record(true);
  }
});

test('after four misses in a row a side spins once in sixteen waits, and fully again once a spin catches', (t) => {
  const policy = new SpinPolicy();
  t.is(spinsAmongMissedWaits(policy, 4), 4);
  t.is(spinsAmongMissedWaits(policy, 160), 10);
  while (!policy.shouldSpin());
  policy.record(true);
  t.is(spinsAmongMissedWaits(policy, 4), 4);
});
