// The orders `plugd top` can show plugins in. Figures sort largest first, so
// the plugin to look at is on top; names sort A to Z; states sort by how much
// they need attention.

import type { PluginRow } from '../contract/figures.js';
import { shownState, trouble, type ShownState } from '../contract/verdicts.js';

export const SORT_COLUMNS = ['name', 'state', 'calls', 'p99', 'errors', 'restarts', 'heap'] as const;

export type SortColumn = (typeof SORT_COLUMNS)[number];

/** Most urgent first; `paused` is not a state of its own but reads as one. */
const ATTENTION: ShownState[] = [
  'failed',
  'crashed',
  'backoff',
  'loading',
  'discovered',
  'paused',
  'draining',
  'stopped',
  'ready',
  'idle',
];

/** What each order compares, most significant first; larger sorts first. `now` is epoch ms. */
const KEYS: Record<SortColumn, (plugin: PluginRow, now: number) => number[]> = {
  name: () => [],
  // A crash-looping plugin caught between crashes is `ready`, but still comes first.
  state: (plugin, now) => [Number(trouble(plugin, now) !== undefined), -ATTENTION.indexOf(shownState(plugin))],
  calls: (plugin) => [plugin.callsPerSecond, plugin.calls],
  p99: (plugin) => [plugin.p99Ms ?? -1],
  errors: (plugin) => [plugin.errors],
  restarts: (plugin) => [plugin.restarts],
  heap: (plugin) => [plugin.heap?.used ?? -1],
};

export function isSortColumn(value: string): value is SortColumn {
  return (SORT_COLUMNS as readonly string[]).includes(value);
}

/** A copy of `plugins` in the order of `column`, ties by name. */
export function sortPlugins(plugins: PluginRow[], column: SortColumn, now: number): PluginRow[] {
  const key = KEYS[column];
  const byKey = (a: PluginRow, b: PluginRow) => {
    const [left, right] = [key(a, now), key(b, now)];
    const differs = left.findIndex((value, index) => value !== right[index]);
    return differs === -1 ? 0 : right[differs] - left[differs];
  };
  return [...plugins].sort((a, b) => byKey(a, b) || a.name.localeCompare(b.name));
}
