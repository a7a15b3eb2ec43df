// The order of the plugins in `plugd top`.

import test from 'ava';
import { sortPlugins } from '../../../core/cli/top-sort.js';
import { FLEET, NOW, plugin } from '../../fixtures/cli/figures.js';

test('sorting puts the plugin to look at first, ties by name', (t) => {
  const names = (column: Parameters<typeof sortPlugins>[1]) =>
    sortPlugins(FLEET, column, NOW).map((figures) => figures.name);
  t.deepEqual(names('state'), ['gone', 'crashy', 'echo', 'hog', 'slow']);
  t.deepEqual(names('calls'), ['echo', 'slow', 'hog', 'crashy', 'gone']);
  t.deepEqual(names('p99'), ['slow', 'hog', 'echo', 'crashy', 'gone']);
  t.deepEqual(names('heap'), ['hog', 'echo', 'slow', 'crashy', 'gone']);
  t.deepEqual(names('restarts'), ['crashy', 'gone', 'echo', 'hog', 'slow']);
  t.deepEqual(names('name'), ['crashy', 'echo', 'gone', 'hog', 'slow']);
  const flapping = plugin('flappy', { restarts: 9, readySince: NOW - 100 });
  t.is(
    sortPlugins([...FLEET, flapping], 'state', NOW)[2].name,
    'flappy',
    'caught between crashes, still before the healthy',
  );
});
