// CI's summary line counts a skipped test as skipped, never as passed.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../helpers/daemon.js';

test('.ci/tap-summary counts a skip directive as skipped; the line ends "N passed, N failed, N skipped"', (t) => {
  const tap = [
    'TAP version 13',
    'ok 1 - live top (skipped: tmux is not installed) # SKIP',
    'ok 2 - one',
    'not ok 3 - two',
    '  ---',
    '  ...',
    'ok 4 - three',
    'ok 5 - four # skip no engine here',
    '1..5',
    '',
  ].join('\n');
  const result = spawnSync(join(ROOT, '.ci/tap-summary'), { input: tap, encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  t.is(result.stdout, '2 passed, 1 failed, 2 skipped\n');
});

test('.ci/run reports through .ci/tap-summary', (t) => {
  const run = spawnSync('grep', ['-c', '.ci/tap-summary', join(ROOT, '.ci/run')], { encoding: 'utf8' });
  t.true(Number(run.stdout) > 0);
});
