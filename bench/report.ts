// What a run produces: bench/results.json (the format of issue 7, read by
// tools outside the project) and a printed table with every ratio against its
// baseline and whether each target of issue 7 is met.

import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { BenchResult } from './result.js';

export const RESULTS_FILE = new URL('./results.json', import.meta.url);

interface Check {
  /** A ratio `figure / over`, or the figure itself when `over` is absent. */
  figure: string;
  over?: string;
  atLeast?: number;
  atMost?: number;
  unit?: string;
}

/** Issue 7's targets, and the ratios it wants printed without one. */
const CHECKS: Check[] = [
  { figure: 'rpc.plugin.c32', over: 'rpc.builtin.c32', atLeast: 0.8 },
  { figure: 'rpc.builtin.c32', over: 'socket.raw.c32', atLeast: 0.8 },
  { figure: 'rpc.plugin.c1', over: 'rpc.builtin.c1' },
  { figure: 'rpc.builtin.c1', over: 'socket.raw.c1' },
  { figure: 'rpc.plugin.c32', over: 'rpc.plugin.postmessage.c32' },
  { figure: 'socket.raw.worker.c32', over: 'socket.raw.c32' },
  { figure: 'socket.raw.worker.postmessage.c32', over: 'socket.raw.c32' },
  { figure: 'rpc.plugin.c32', over: 'socket.raw.worker.c32' },
  { figure: 'channel.sab.small.c32', over: 'channel.postmessage.small.c32', atLeast: 1.5 },
  { figure: 'channel.sab.small.c1', over: 'channel.postmessage.small.c1', atLeast: 1.0 },
  { figure: 'channel.sab.1mib', over: 'channel.postmessage.1mib', atLeast: 2.0 },
  { figure: 'channel.sab.json.1mib', over: 'channel.postmessage.json.1mib' },
  { figure: 'channel.sab.1mib', over: 'memcpy.1mib' },
  { figure: 'channel.shm.small.c1', over: 'channel.ipc.small.c1', atLeast: 3 },
  { figure: 'channel.shm.small.c32', over: 'channel.ipc.small.c32', atLeast: 3 },
  { figure: 'channel.shm.1mib', over: 'channel.ipc.1mib', atLeast: 5 },
  { figure: 'channel.shm.small.c32', over: 'channel.sab.small.c32' },
  { figure: 'reload.p95', atMost: 100, unit: 'ms' },
  { figure: 'rpc.plugin.process.c32', over: 'rpc.plugin.c32', atLeast: 0.85 },
  { figure: 'rpc.plugin.process.c1', over: 'rpc.plugin.c1' },
  /** A stdio plugin (the Python scaffold's echo) against a JS process plugin (issue 25). */
  { figure: 'rpc.plugin.exec.c32', over: 'rpc.plugin.process.c32', atLeast: 0.7 },
  { figure: 'rpc.plugin.exec.c1', over: 'rpc.plugin.process.c1' },
  { figure: 'start.exec.ms', over: 'start.0plugins' },
  { figure: 'reload.process.p95', atMost: 150, unit: 'ms' },
  { figure: 'rss.idle.10plugins.process', over: 'rss.idle.10plugins' },
  /** 0.8 of PM2 with ten apps, measured here at 551-579 MB (issue 15). */
  { figure: 'rss.idle.10plugins.process', atMost: 452, unit: 'MB' },
  { figure: 'watch.p95', atMost: 300, unit: 'ms' },
  { figure: 'start.10plugins', atMost: 500, unit: 'ms' },
  { figure: 'rss.growth.500reloads', atMost: 32, unit: 'MB' },
  /** Issue 23: an upgrade costs about a start, its gap about a reload, and refuses nothing. */
  { figure: 'upgrade.p50', over: 'start.10plugins', atMost: 1.2 },
  { figure: 'upgrade.p95', over: 'start.10plugins', atMost: 1.2 },
  { figure: 'upgrade.gap.max', over: 'reload.p95', atMost: 3 },
  { figure: 'upgrade.refused', atMost: 0, unit: 'connects' },
  /** Activation on first call (issue 24). */
  { figure: 'start.100plugins.oncall', over: 'start.0plugins', atMost: 1.5 },
  { figure: 'rss.idle.100plugins.oncall', over: 'rss.idle.0plugins', atMost: 1.3 },
  { figure: 'firstcall.oncall.p50', over: 'reload.p50', atMost: 2 },
  /** Shared workers (issue 24). */
  { figure: 'pss.idle.100plugins.shared', over: 'pss.idle.100plugins', atMost: 0.25 },
  /** Taken in turns with the plain figure (bench/rpc.ts): the two compare only so. */
  { figure: 'rpc.plugin.shared.c32', over: 'rpc.plugin.turns.c32', atLeast: 0.9 },
];

export function writeResults(results: BenchResult[]): void {
  const document = { node: process.version, cpus: availableParallelism(), date: new Date().toISOString(), results };
  writeFileSync(RESULTS_FILE, JSON.stringify(document, null, 2) + '\n');
}

export function printReport(results: BenchResult[]): void {
  console.log();
  console.table(
    results.map(({ name, value, unit, p50_us, p99_us }) => ({
      name,
      value,
      unit,
      p50_us: p50_us ?? '',
      p99_us: p99_us ?? '',
    })),
  );
  const values = new Map(results.map((result) => [result.name, result.value]));
  // A run of some suites only shows the checks it has the figures for.
  const measured = CHECKS.filter((check) => values.has(check.figure) && (!check.over || values.has(check.over)));
  console.table(measured.map((check) => judge(check, values)));
}

function judge(check: Check, values: Map<string, number>): Record<string, string> {
  const label = check.over ? `${check.figure} / ${check.over}` : check.figure;
  const target =
    check.atLeast !== undefined
      ? `>= ${check.atLeast}`
      : check.atMost !== undefined
        ? `<= ${check.atMost} ${check.unit ?? ''}`.trim()
        : '';
  const measured = values.get(check.figure)! / (check.over ? values.get(check.over)! : 1);
  const met =
    (check.atLeast === undefined || measured >= check.atLeast) &&
    (check.atMost === undefined || measured <= check.atMost);
  return {
    check: label,
    measured: check.over ? measured.toFixed(2) : `${measured} ${check.unit ?? ''}`.trim(),
    target,
    met: target ? (met ? 'yes' : 'NO') : '',
  };
}
