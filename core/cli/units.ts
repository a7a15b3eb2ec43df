// How figures read in the CLI's views: short, fixed units, no spaces inside a
// cell (so a table stays readable and splittable by scripts).

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

export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / 1_048_576;
  return megabytes < 10 ? megabytes.toFixed(1) : megabytes.toFixed(0);
}

/** A 0..1 ratio as a percentage. */
export function formatPercent(ratio: number): string {
  return (ratio * 100).toFixed(1);
}
