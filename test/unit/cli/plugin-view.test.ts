// The verdicts the CLI draws from one plugin's figures.

import test from 'ava';
import { inTrouble } from '../../../core/cli/plugin-view.js';
import { NOW, plugin } from '../../fixtures/cli/figures.js';

test('a restart within the configured crash window, not a fixed minute, keeps a plugin in trouble', (t) => {
  const restarted = plugin('flappy', { restarts: 1, readySince: NOW - 90_000 });
  t.false(inTrouble({ ...restarted, crashWindowMs: 60_000 }, NOW));
  t.true(inTrouble({ ...restarted, crashWindowMs: 120_000 }, NOW));
});
