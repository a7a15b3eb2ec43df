// Durations and latencies as the CLI prints them.

import test from 'ava';
import { formatDuration, formatMs } from '../../../core/cli/units.js';

test('durations, latencies: short, no spaces', (t) => {
  t.deepEqual([5, 65, 3725, 90_061].map(formatDuration), ['5s', '1m05s', '1h02m', '1d01h']);
  t.deepEqual([0.123, 48.26, 1234.5].map(formatMs), ['0.12', '48.3', '1235']);
});
