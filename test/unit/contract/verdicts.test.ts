// core/contract/verdicts.ts: what every view (plugd top and status, the
// dashboard's page, Prometheus) concludes from a row.

import test from 'ava';
import { heapWarning, isServing, shownState, trouble } from '../../../core/contract/verdicts.js';
import { NOW, plugin as row } from '../../fixtures/cli/figures.js';

const plugin = (figures: Parameters<typeof row>[1] = {}) => row('p', figures);

test('a restart within the configured crash window, not a fixed minute, keeps a plugin in trouble', (t) => {
  const restarted = plugin({ restarts: 1, readySince: NOW - 90_000 });
  t.is(trouble({ ...restarted, crashWindowMs: 60_000 }, NOW), undefined);
  t.is(trouble({ ...restarted, crashWindowMs: 120_000 }, NOW), 'warning');
});

test('failed is its own verdict; crashed and backoff warn; idle and never restarted are fine', (t) => {
  t.is(trouble(plugin({ state: 'failed' }), NOW), 'failed');
  t.is(trouble(plugin({ state: 'crashed' }), NOW), 'warning');
  t.is(trouble(plugin({ state: 'backoff', restarts: 2 }), NOW), 'warning');
  t.is(trouble(plugin({ state: 'idle', restarts: 5, readySince: undefined }), NOW), undefined);
  t.is(trouble(plugin({ state: 'loading' }), NOW), undefined, 'a first load is no trouble');
  t.is(trouble(plugin({ state: 'loading', restarts: 1 }), NOW), 'warning', 'a restart under way is');
});

test('a paused plugin shows as paused and does not serve; a heap over three quarters full warns', (t) => {
  t.is(shownState(plugin({ paused: true })), 'paused');
  t.is(shownState(plugin({ state: 'idle' })), 'idle');
  t.false(isServing(plugin({ paused: true })));
  t.false(isServing(plugin({ state: 'idle' })));
  t.true(isServing(plugin()));
  t.true(heapWarning({ used: 200, limit: 256 }));
  t.false(heapWarning({ used: 100, limit: 256 }));
  t.false(heapWarning(undefined));
});
