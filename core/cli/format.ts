// Plain-text views of the daemon's answers for people at a terminal.

import type { PluginStatus, ReloadOne, RescanSummary, SkippedEntry } from '../contract/plugin-status.js';
import type { DaemonReloadSummary } from '../contract/plugin-status.js';
import { withoutColour, type Paint } from './colour.js';
import type { Figures } from '../contract/figures.js';
import { shownState } from '../contract/verdicts.js';
import {
  daemonSummary,
  lastErrorCell,
  lastErrorLines,
  PLUGIN_COLUMNS,
  pluginCells,
  withActivation,
} from './plugin-view.js';
import { paintLines, renderTable, type Line } from './table.js';

/** One line per entry of the plugin folder left out, and why. */
export function formatSkipped(skipped: SkippedEntry[]): string {
  return skipped.map((entry) => `skipped ${entry.path}: ${entry.reason}\n`).join('');
}

/** One line per plugin that failed to load, and why. */
export function formatFailed(failed: RescanSummary['failed']): string {
  return failed.map((failure) => `failed: ${failure.name}: ${failure.error}\n`).join('');
}

export function formatPlugins(plugins: PluginStatus[], skipped: SkippedEntry[] = [], now = Date.now()): string {
  if (plugins.length === 0) return 'no plugins loaded\n' + formatSkipped(skipped);
  const columns = ['NAME', 'STATE', 'ISOLATION', 'SERVED', 'RESTARTS', 'METHODS', 'LAST ERROR'].map((header) => ({
    header,
    align: 'left' as const,
  }));
  const rows = plugins.map((plugin) =>
    [
      plugin.name,
      shownState(plugin),
      isolationText(plugin),
      String(plugin.served),
      String(plugin.restarts),
      plugin.methods.join(','),
      lastErrorCell(plugin, now),
    ].map((text) => ({ text })),
  );
  return paintLines(renderTable(columns, rows), withoutColour) + formatSkipped(skipped);
}

/** A process plugin shows its process and channel: `process 1234 shm`; an onCall one adds `onCall`, a shared one `shared:NAME`. */
function isolationText(plugin: PluginStatus): string {
  const where =
    plugin.isolation === 'process'
      ? ['process', plugin.pid, plugin.channel].filter((part) => part !== undefined).join(' ')
      : 'thread';
  const shown = withActivation(where, plugin.activation);
  return plugin.sharedWorker === undefined ? shown : `${shown} shared:${plugin.sharedWorker}`;
}

/** `plugd status`: the daemon's summary, where it listens, and a row of figures per plugin. */
export function formatStatus(figures: Figures, paint: Paint): string {
  const { daemon, plugins, takenAt } = figures;
  const lines: Line[] = [
    daemonSummary(daemon),
    [{ text: `socket ${daemon.socket}` }],
    [{ text: `plugins ${daemon.pluginDir}` }],
    [],
  ];
  if (plugins.length === 0) lines.push([{ text: 'no plugins loaded' }]);
  else
    lines.push(
      ...renderTable(
        PLUGIN_COLUMNS,
        plugins.map((plugin) => pluginCells(plugin, takenAt)),
      ),
    );
  const errors = lastErrorLines(plugins, takenAt);
  if (errors.length > 0) lines.push([], [{ text: 'last errors:' }], ...errors);
  return paintLines(lines, paint);
}

export function formatReload(outcome: RescanSummary | DaemonReloadSummary | ReloadOne): string {
  if ('name' in outcome)
    return `${outcome.name}: ${outcome.changed ? 'reloaded' : 'unchanged (use --force to reload anyway)'}\n`;
  const config = 'config' in outcome ? outcome.config : { applied: [], needsRestart: [] };
  const lines = [
    ['plugd.json applied', config.applied],
    ['plugd.json needs a restart for', config.needsRestart],
    ['loaded', outcome.loaded],
    ['reloaded', outcome.reloaded],
    ['unchanged', outcome.unchanged],
    ['unloaded', outcome.unloaded],
  ]
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label}: ${(names as string[]).join(', ')}`);
  if (lines.length === 0 && outcome.failed.length === 0) lines.push('nothing to reload');
  // The failures are errors: the caller writes them (formatFailed) on stderr.
  return lines.map((line) => line + '\n').join('') + formatSkipped(outcome.skipped);
}
