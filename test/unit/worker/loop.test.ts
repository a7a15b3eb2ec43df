// ctx.loop's iterations never overlap, even when a resume comes while a
// paused iteration is still finishing.

import test from 'ava';
import pino from 'pino';
import { setTimeout as delay } from 'node:timers/promises';
import { PluginLoop } from '../../../core/worker/loop.js';

test('a resume during a pause that waits on an iteration does not start a second chain of iterations', async (t) => {
  let running = 0;
  let mostAtOnce = 0;
  let iterations = 0;
  const loop = new PluginLoop(
    async () => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      await delay(30);
      running--;
      iterations++;
    },
    { intervalMs: 5 },
    () => pino({ enabled: false }),
    { iteration: () => undefined },
  );
  await loop.start();
  await delay(10); // The first iteration is under way.
  const pausing = loop.pause();
  await loop.start();
  await pausing;
  await delay(200);
  await loop.stop();
  t.is(mostAtOnce, 1);
  t.true(iterations >= 3);
});
