// Sizes as the page prints them. Durations, latencies and the verdicts on a
// plugin (its shown state, trouble, a heap near its limit) are every view's:
// core/contract/units.ts and verdicts.ts.

export const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
export const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
