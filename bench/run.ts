// `npm run bench`: every benchmark of issue 7 in one run on this machine, so
// each figure sits beside its baseline from the same conditions. Writes
// bench/results.json and prints the table with the ratios and targets.
//
//   npm run bench                  all suites (about 2 minutes on 2 cores)
//   npm run bench -- rpc reload    only these suites; results.json is left alone

import { cleanUpEverything, installCleanupHandlers } from './cleanup.js';
import { machineBusyShare } from './proc.js';
import { benchReload } from './reload.js';
import { printReport, RESULTS_FILE, writeResults } from './report.js';
import type { BenchResult } from './result.js';
import { benchChannel } from './channel.js';
import { benchCrash } from './crash.js';
import { benchRpc } from './rpc.js';
import { benchRss } from './rss.js';
import { benchRawSocket } from './socket-raw.js';
import { benchStart } from './start.js';
import { benchUpgrade } from './upgrade.js';
import { benchWatch } from './watch.js';

const SUITES: Record<string, () => Promise<BenchResult[]>> = {
  socket: benchRawSocket,
  rpc: benchRpc,
  channel: benchChannel,
  reload: benchReload,
  crash: benchCrash,
  watch: benchWatch,
  start: benchStart,
  upgrade: benchUpgrade,
  rss: benchRss,
};

/** Other work on the machine lowers every figure: say so rather than publish it silently. */
const BUSY_WARNING_SHARE = 0.15;

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !(name in SUITES));
  if (unknown.length > 0)
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`);
  const busy = await machineBusyShare(1000);
  console.log(`machine: ${(busy * 100).toFixed(0)} % of its CPU busy before the run`);
  if (busy > BUSY_WARNING_SHARE)
    console.log('  warning: other processes are using the CPU; every figure of this run is lowered by them');
  const results: BenchResult[] = [];
  const started = performance.now();
  for (const name of requested.length > 0 ? requested : Object.keys(SUITES)) {
    const suiteStarted = performance.now();
    console.log(`${name}:`);
    results.push(...(await SUITES[name]()));
    console.log(`  (${((performance.now() - suiteStarted) / 1000).toFixed(1)} s)`);
  }
  console.log(`all suites: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (requested.length === 0) {
    writeResults(results);
    console.log(`wrote ${RESULTS_FILE.pathname}`);
  }
  printReport(results);
}

installCleanupHandlers();
try {
  await main();
} finally {
  cleanUpEverything();
}
