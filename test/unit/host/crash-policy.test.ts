import test from 'ava';
import { CrashPolicy } from '../../../core/host/crash-policy.js';

const options = { initialDelayMs: 100, maxDelayMs: 1000, maxCrashes: 5, windowMs: 60_000 };

test('delays double up to the maximum, and the cap within the window fails the plugin', (t) => {
  const policy = new CrashPolicy({ ...options, maxCrashes: 6 });
  const verdicts = [0, 1, 2, 3, 4, 5].map((i) => policy.onCrash(i * 10));
  t.deepEqual(
    verdicts.slice(0, 5),
    [100, 200, 400, 800, 1000].map((delayMs) => ({ action: 'restart', delayMs })),
  );
  t.deepEqual(verdicts[5], { action: 'fail' });
});

test('crashes older than the window are forgotten', (t) => {
  const policy = new CrashPolicy(options);
  for (let i = 0; i < 4; i++) policy.onCrash(i);
  t.deepEqual(policy.onCrash(60_000 + 10), { action: 'restart', delayMs: 100 });
});
