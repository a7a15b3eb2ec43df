// What `plugd status` and `plugd top` both show: the daemon's summary line,
// one row of figures per plugin, and the plugins' last errors. Trouble is
// coloured where the reader's eye should go first.

import type { DaemonFigures, PluginRow } from '../contract/figures.js';
import type { PluginState, PluginStatus } from '../contract/plugin-status.js';
import { formatDuration, formatMs, uptimeText } from '../contract/units.js';
import { heapWarning, shownState, trouble, type Trouble } from '../contract/verdicts.js';
import type { Style } from './colour.js';
import type { Line, Segment, TableColumn } from './table.js';
import { formatMegabytes, formatPercent } from './units.js';

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
export function withActivation(isolation: string, activation: PluginStatus['activation']): string {
  return activation === 'onCall' ? `${isolation} onCall` : isolation;
}

const DASH = '-';

function stateStyle(plugin: PluginRow): Style | undefined {
  return plugin.paused ? 'dim' : STATE_STYLES[plugin.state];
}

const TROUBLE_STYLES: Record<Trouble, Style> = { failed: ['red', 'bold'], warning: ['yellow', 'bold'] };

/** How a row in trouble (core/contract/verdicts.ts) stands out in `plugd top`: all of it in one warning colour. */
export function troubleStyle(plugin: PluginRow, now: number): Style | undefined {
  const verdict = trouble(plugin, now);
  return verdict && TROUBLE_STYLES[verdict];
}

interface PluginColumn extends TableColumn {
  /** `now` is epoch ms. */
  cell(plugin: PluginRow, now: number): Segment;
}

export const PLUGIN_COLUMNS: PluginColumn[] = [
  { header: 'NAME', align: 'left', cell: (plugin) => ({ text: plugin.name }) },
  { header: 'STATE', align: 'left', cell: (plugin) => ({ text: shownState(plugin), style: stateStyle(plugin) }) },
  {
    header: 'UPTIME',
    align: 'right',
    cell: (plugin, now) => ({ text: uptimeText(plugin, now) }),
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
            style: heapWarning(heap) ? 'yellow' : undefined,
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

export function pluginCells(plugin: PluginRow, now: number): Segment[] {
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
export function lastErrorLines(plugins: PluginRow[], now: number): Line[] {
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
