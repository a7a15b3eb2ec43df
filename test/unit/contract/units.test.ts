// core/contract/units.ts: how durations and latencies read in every view.

import test from 'ava';
import { formatDuration, formatMs, uptimeText } from '../../../core/contract/units.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');

test('durations, latencies: short, no spaces', (t) => {
  t.deepEqual([5, 65, 3725, 90_061].map(formatDuration), ['5s', '1m05s', '1h02m', '1d01h']);
  t.deepEqual([0.123, 48.26, 1234.5].map(formatMs), ['0.12', '48.3', '1235']);
  t.is(uptimeText({ state: 'ready', readySince: NOW - 90_000 }, NOW), '1m30s');
  t.is(uptimeText({ state: 'backoff', readySince: NOW - 90_000 }, NOW), '-', 'only a ready plugin has an uptime');
});
