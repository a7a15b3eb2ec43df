// The sparkline of a plugin's call rate.

import test from 'ava';
import { sparkline } from '../../../core/cli/sparkline.js';

test('a sparkline is right-aligned, on the scale given, and never shows activity as none', (t) => {
  t.is(sparkline([0, 4, 8], 5, 8), '  ▁▅█');
  t.is(sparkline([1, 100], 2, 100), '▂█', 'one call against a hundred still shows');
  t.is(sparkline([1, 2, 3, 4], 2, 4), '▆█', 'only the newest values that fit');
  t.is(sparkline([0, 0], 2, 0), '▁▁');
});
