// The control for rss.growth.500reloads: a bare Node process that starts and
// terminates worker threads one after the other, as reloads do, with the
// daemon's resource limits and nothing of plugd. If its RSS grows as the
// daemon's does, the growth is Node's worker teardown, not plugd's.
// Prints one JSON line: { "afterWarmup": bytes, "afterAll": bytes }.
//
//   node --import ./test/preload.js bench/worker-churn.ts WARMUP TOTAL SETTLE_MS

import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SUPERVISION } from '../core/config/config.js';

/** Says it is ready, then idles until terminated, as a plugin worker does. */
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
setInterval(() => {}, 1000);
parentPort.postMessage('ready');
`;

async function startAndTerminate(): Promise<void> {
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    // Without the bench's TypeScript preload: the daemon's workers run plain JavaScript too.
    execArgv: [],
    resourceLimits: DEFAULT_SUPERVISION.resourceLimits,
  });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
}

const [warmup, total, settleMs] = process.argv.slice(2).map(Number);
for (let i = 0; i < warmup; i++) await startAndTerminate();
await sleep(settleMs);
const afterWarmup = process.memoryUsage.rss();
for (let i = warmup; i < total; i++) await startAndTerminate();
await sleep(settleMs);
process.stdout.write(JSON.stringify({ afterWarmup, afterAll: process.memoryUsage.rss() }) + '\n');
