// What `plugd status` and `plugd top` both show: the daemon's summary line,
// one row of figures per plugin, and the plugins' last errors. Trouble is
// coloured where the reader's eye should go first.

import type { PluginState, PluginStatus } from '../contract/plugin-status.js';
import type { Style } from './colour.js';
import type { DaemonFigures, PluginFigures } from './daemon-snapshot.js';
import type { Line, Segment, TableColumn } from './table.js';
import { formatDuration, formatMegabytes, formatMs, formatPercent } from './units.js';

const STATE_STYLES: Partial<Record<PluginState, Style>> = {
  ready: 'green',
  crashed: 'yellow',
  backoff: 'yellow',
  failed: 'red',
  draining: 'dim',
  stopped: 'dim',
  idle: 'dim',
};

/** An onCall plugin's isolation says so (`thread onCall`): eager is the default, left unsaid. */
export function withActivation(isolation: string, activation: string): string {
  return activation === 'onCall' ? `${isolation} onCall` : isolation;
}

/** A heap this full is close to the worker's out-of-memory crash. */
const HEAP_WARNING_RATIO = 0.75;

const DASH = '-';

/** A paused plugin is still `ready`, but what matters to the reader is that it does not serve. */
export function shownState(plugin: Pick<PluginFigures, 'state' | 'paused'>): string {
  return plugin.paused ? 'paused' : plugin.state;
}

function stateStyle(plugin: PluginFigures): Style | undefined {
  return plugin.paused ? 'dim' : STATE_STYLES[plugin.state];
}

/**
 * Failed, crashed, or back from a crash too recently to trust: a crash-looping
 * plugin is `ready` for moments between crashes, so one that restarted within
 * its crash-counting window still counts as crashing.
 */
export function inTrouble(plugin: PluginFigures, now: number): boolean {
  if (plugin.state === 'failed' || plugin.state === 'crashed' || plugin.state === 'backoff') return true;
  // Stopped for want of calls: nothing to watch.
  if (plugin.restarts === 0 || plugin.state === 'idle') return false;
  return plugin.state !== 'ready' || plugin.readySince === undefined || now - plugin.readySince < plugin.crashWindowMs;
}

/** How a row in trouble stands out in `plugd top`: all of it in one warning colour. */
export function troubleStyle(plugin: PluginFigures, now: number): Style | undefined {
  if (!inTrouble(plugin, now)) return undefined;
  return plugin.state === 'failed' ? ['red', 'bold'] : ['yellow', 'bold'];
}

interface PluginColumn extends TableColumn {
  /** `now` is epoch ms. */
  cell(plugin: PluginFigures, now: number): Segment;
}

export const PLUGIN_COLUMNS: PluginColumn[] = [
  { header: 'NAME', align: 'left', cell: (plugin) => ({ text: plugin.name }) },
  { header: 'STATE', align: 'left', cell: (plugin) => ({ text: shownState(plugin), style: stateStyle(plugin) }) },
  {
    header: 'UPTIME',
    align: 'right',
    cell: (plugin, now) => ({
      text:
        plugin.state === 'ready' && plugin.readySince !== undefined
          ? formatDuration((now - plugin.readySince) / 1000)
          : DASH,
    }),
  },
  { header: 'CALLS', align: 'right', cell: (plugin) => ({ text: String(plugin.calls) }) },
  { header: 'CALLS/S', align: 'right', cell: (plugin) => ({ text: String(plugin.callsPerSecond) }) },
  {
    header: 'P99 MS',
    align: 'right',
    cell: (plugin) => ({ text: plugin.p99Ms === undefined ? DASH : formatMs(plugin.p99Ms) }),
  },
  {
    header: 'ERRORS',
    align: 'right',
    cell: (plugin) => ({ text: String(plugin.errors), style: plugin.errors > 0 ? 'red' : undefined }),
  },
  {
    header: 'RESTARTS',
    align: 'right',
    cell: (plugin) => ({ text: String(plugin.restarts), style: plugin.restarts > 0 ? 'yellow' : undefined }),
  },
  {
    header: 'HEAP MB',
    align: 'right',
    cell: ({ heap }) =>
      heap
        ? {
            text: `${formatMegabytes(heap.used)}/${formatMegabytes(heap.limit)}`,
            style: heap.used > heap.limit * HEAP_WARNING_RATIO ? 'yellow' : undefined,
          }
        : { text: DASH },
  },
  {
    header: 'ELU %',
    align: 'right',
    cell: (plugin) => ({
      text: plugin.eventLoopUtilization === undefined ? DASH : formatPercent(plugin.eventLoopUtilization),
    }),
  },
  {
    header: 'ISOLATION',
    align: 'left',
    cell: (plugin) => ({ text: withActivation(plugin.isolation, plugin.activation) }),
  },
];

export function pluginCells(plugin: PluginFigures, now: number): Segment[] {
  return PLUGIN_COLUMNS.map((column) => column.cell(plugin, now));
}

export function daemonSummary(daemon: DaemonFigures): Line {
  return [
    { text: `plugd ${daemon.version}`, style: 'bold' },
    { text: `  pid ${daemon.pid}  up ${formatDuration(daemon.uptime)}  rss ${formatMegabytes(daemon.rss)} MB` },
    { text: `  event-loop delay p99 ${formatMs(daemon.eventLoopDelayP99Ms)} ms` },
  ];
}

function formatWait(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : formatDuration(ms / 1000);
}

/** A table cell never spans lines: a message's first line, cut short (the whole is in `plugins.status`). */
export function oneLine(text: string, max = 100): string {
  const first = text.split('\n', 1)[0].trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/** The LAST ERROR cell: how long ago, and what. */
export function lastErrorCell(plugin: Pick<PluginStatus, 'lastError' | 'lastErrorAt'>, now: number): string {
  if (plugin.lastError === undefined) return '';
  const ago =
    plugin.lastErrorAt === undefined ? '' : `${formatDuration((now - Date.parse(plugin.lastErrorAt)) / 1000)} ago: `;
  return ago + oneLine(plugin.lastError);
}

/** One line per plugin that has failed at some point: why, and when it comes back. */
export function lastErrorLines(plugins: PluginFigures[], now: number): Line[] {
  return plugins
    .filter((plugin) => plugin.lastError !== undefined)
    .map((plugin) => {
      const comingBack =
        plugin.nextRestartAt === undefined ? '' : ` (restart in ${formatWait(plugin.nextRestartAt - now)})`;
      return [
        { text: `  ${plugin.name}`, style: stateStyle(plugin) },
        { text: `: ${oneLine(plugin.lastError!)}${comingBack}` },
      ];
    });
}
