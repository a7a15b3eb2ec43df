// How durations and latencies read in every view (the CLI's tables and the
// dashboard's page): short, fixed units, no spaces inside.

import type { PluginState } from './plugin-status.js';

export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const two = (value: number) => String(value).padStart(2, '0');
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${two(whole % 60)}s`;
  if (whole < 86_400) return `${Math.floor(whole / 3600)}h${two(Math.floor(whole / 60) % 60)}m`;
  return `${Math.floor(whole / 86_400)}d${two(Math.floor(whole / 3600) % 24)}h`;
}

/** Milliseconds with about three significant digits. */
export function formatMs(ms: number): string {
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A ready plugin's time since it became ready, else `-`. `now` and `readySince` are epoch ms. */
export function uptimeText(plugin: { state: PluginState; readySince?: number }, now: number): string {
  return plugin.state === 'ready' && plugin.readySince !== undefined
    ? formatDuration((now - plugin.readySince) / 1000)
    : '-';
}
