// What a view concludes from a plugin's figures, decided once for `plugd
// top`, `plugd status`, `plugd plugins`, the dashboard's page and Prometheus.
// Pure, with type-only imports: the page bundles it.

import type { PluginRow } from './figures.js';
import type { PluginState } from './plugin-status.js';

/** A plugin's state as a view shows it: `paused` reads as a state of its own. */
export type ShownState = PluginState | 'paused';

/** A paused plugin is still `ready`, but what matters to the reader is that it does not serve. */
export function shownState(plugin: Pick<PluginRow, 'state' | 'paused'>): ShownState {
  return plugin.paused ? 'paused' : plugin.state;
}

/** Takes calls now: ready and not paused (Prometheus's `plugd_plugin_up`, top's "ready" count). */
export function isServing(plugin: Pick<PluginRow, 'state' | 'paused'>): boolean {
  return plugin.state === 'ready' && !plugin.paused;
}

/** `failed`, or `warning`: crashed, backing off, or back from a crash too recently to trust. */
export type Trouble = 'failed' | 'warning';

/**
 * A crash-looping plugin is `ready` for moments between crashes, so one that
 * restarted within its crash-counting window (its restart policy's, not a
 * fixed time) still counts as crashing. `now` is epoch ms.
 */
export function trouble(
  plugin: Pick<PluginRow, 'state' | 'restarts' | 'readySince' | 'crashWindowMs'>,
  now: number,
): Trouble | undefined {
  if (plugin.state === 'failed') return 'failed';
  if (plugin.state === 'crashed' || plugin.state === 'backoff') return 'warning';
  // Stopped for want of calls: nothing to watch.
  if (plugin.restarts === 0 || plugin.state === 'idle') return undefined;
  const recent =
    plugin.state !== 'ready' || plugin.readySince === undefined || now - plugin.readySince < plugin.crashWindowMs;
  return recent ? 'warning' : undefined;
}

/** A heap this full is close to the worker's out-of-memory crash. */
const HEAP_WARNING_RATIO = 0.75;

export function heapWarning(heap: PluginRow['heap']): boolean {
  return heap !== undefined && heap.used > heap.limit * HEAP_WARNING_RATIO;
}
