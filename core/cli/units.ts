// How sizes read in the CLI's tables: short, no unit or space inside a cell
// (so a table stays readable and splittable by scripts); durations and
// latencies read as in every view (core/contract/units.ts).

export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / 1_048_576;
  return megabytes < 10 ? megabytes.toFixed(1) : megabytes.toFixed(0);
}

/** A 0..1 ratio as a percentage. */
export function formatPercent(ratio: number): string {
  return (ratio * 100).toFixed(1);
}
