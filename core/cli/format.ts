// Plain-text views of the daemon's answers for people at a terminal.

import type { PluginStatus } from '../host/plugin.js';
import type { RescanSummary } from '../host/host.js';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatPlugins(plugins: PluginStatus[]): string {
  if (plugins.length === 0) return 'no plugins loaded\n';
  return table([
    ['NAME', 'STATE', 'SERVED', 'RESTARTS', 'METHODS', 'LAST ERROR'],
    ...plugins.map((plugin) => [
      plugin.name,
      plugin.state,
      String(plugin.served),
      String(plugin.restarts),
      plugin.methods.join(','),
      plugin.lastError ?? '',
    ]),
  ]);
}

export function formatStatus(status: Record<string, unknown>, plugins: PluginStatus[]): string {
  const memory = status.memory as { rss: number };
  return (
    `plugd ${status.version} (pid ${status.pid}), up ${Math.round(status.uptime as number)} s, ` +
    `rss ${(memory.rss / 1048576).toFixed(1)} MB\n` +
    `socket ${status.socket}\nplugins ${status.pluginDir}\n\n` +
    formatPlugins(plugins)
  );
}

export function formatReload(outcome: RescanSummary | { name: string; changed: boolean }): string {
  if ('name' in outcome) return `${outcome.name}: ${outcome.changed ? 'reloaded' : 'unchanged (use --force to reload anyway)'}\n`;
  const lines = [
    ['loaded', outcome.loaded],
    ['reloaded', outcome.reloaded],
    ['unchanged', outcome.unchanged],
    ['unloaded', outcome.unloaded],
  ]
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label}: ${(names as string[]).join(', ')}`);
  for (const failure of outcome.failed) lines.push(`failed: ${failure.name}: ${failure.error}`);
  return (lines.length ? lines.join('\n') : 'nothing to reload') + '\n';
}
