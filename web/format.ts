// Figures as the page prints them, and when a plugin is in trouble (as
// `plugd top` decides it).

import type { PluginRow } from '../core/dashboard/figures.js';

export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  if (seconds < 86400)
    return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

export const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
export const ms = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
export const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

export const shownState = (plugin: PluginRow) => (plugin.paused ? 'paused' : plugin.state);

export function uptime(plugin: PluginRow, now: number): string {
  return plugin.state === 'ready' && plugin.readySince ? duration((now - Date.parse(plugin.readySince)) / 1000) : '-';
}

/** A plugin that restarted within this long still counts as crashing. */
const RECENT_RESTART_MS = 60_000;

/** `failed`, `warning` (crashed, backing off, or back too recently to trust), or nothing. */
export function trouble(plugin: PluginRow, now: number): 'failed' | 'warning' | undefined {
  if (plugin.state === 'failed') return 'failed';
  if (plugin.state === 'crashed' || plugin.state === 'backoff') return 'warning';
  if (plugin.restarts === 0 || plugin.state === 'idle') return undefined;
  const since = plugin.readySince ? Date.parse(plugin.readySince) : undefined;
  return plugin.state !== 'ready' || since === undefined || now - since < RECENT_RESTART_MS ? 'warning' : undefined;
}

export const HEAP_WARNING_RATIO = 0.75;
