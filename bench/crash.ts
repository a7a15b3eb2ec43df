// crash.process.p50/p95: a plugin process killed with SIGSEGV (as a native
// fault kills it), from the signal to the plugin answering again in a new
// process, with the restart delay at 100 ms (the default first backoff, held
// there so every sample waits the same).

import { setTimeout as sleep } from 'node:timers/promises';
import { percentileResults, sampleMs } from './harness.js';
import { onCleanup } from './cleanup.js';
import { startDaemon, type TestDaemon } from '../test/helpers/daemon.js';
import { servingWorker } from './reload.js';
import type { BenchResult } from './result.js';

const SAMPLES = 20;
const RESTART_DELAY_MS = 100;
const PLUGIN = 'echo';

export async function benchCrash(): Promise<BenchResult[]> {
  const restart = {
    initialDelayMs: RESTART_DELAY_MS,
    maxDelayMs: RESTART_DELAY_MS,
    maxCrashes: 1000,
    windowMs: 60_000,
  };
  const daemon = await startDaemon(onCleanup, {
    examples: true,
    config: { isolation: 'process', supervision: { restart } },
  });
  try {
    const latency = await sampleMs(SAMPLES, () => timeCrash(daemon));
    return percentileResults(latency, { 'crash.process.p50': 50, 'crash.process.p95': 95 });
  } finally {
    await daemon.stop();
  }
}

async function timeCrash(daemon: TestDaemon): Promise<number> {
  const pid = await servingWorker(daemon, PLUGIN);
  if (pid === undefined) throw new Error(`${PLUGIN} has no process`);
  const started = performance.now();
  process.kill(pid, 'SIGSEGV');
  // Until it serves again, its calls answer -32001 at once.
  for (;;) {
    const answered = await daemon.call(`${PLUGIN}.echo`, { after: 'crash' }).then(
      () => true,
      () => false,
    );
    if (answered) break;
    await sleep(2);
  }
  const elapsed = performance.now() - started;
  if ((await servingWorker(daemon, PLUGIN)) === pid) throw new Error(`${PLUGIN} still answers from process ${pid}`);
  return elapsed;
}
