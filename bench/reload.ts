// reload.p50/p95: a forced `plugins.reload` of the echo plugin, from the call
// to the first answer of the new version. Reload is blue/green and answers
// once the new worker serves, so the first echo call after it is the new
// version's; each sample also checks that the worker did change. Samples are
// 100 ms apart, as separate reloads are in use: the daemon keeps a booted
// spare worker for the next reload, and back-to-back reloads would measure
// how fast it boots a new spare instead. reload.process.* is the same with the
// plugin in a process of its own (its spare is a booted process).
// firstcall.oncall.p50/p95: the first call to an idle onCall plugin, its start
// included, each sample another of twenty idle plugins, as far apart as the
// reloads (a spare worker waits for it as for a reload).

import { setTimeout as sleep } from 'node:timers/promises';
import { percentileResults, sampleMs } from './harness.js';
import { onCleanup } from './cleanup.js';
import { startDaemon, type TestDaemon } from '../test/helpers/daemon.js';
import type { BenchResult } from './result.js';
import { onCallPlugins } from './plugins.js';

const WARMUP_RELOADS = 5;
const SAMPLES = 50;
const PLUGIN = 'echo';
const PAUSE_MS = 100;

export async function benchReload(): Promise<BenchResult[]> {
  return [
    ...(await reloadLatency('reload', {})),
    ...(await reloadLatency('reload.process', { isolation: 'process' })),
    ...(await firstCallLatency()),
  ];
}

const IDLE_PLUGINS = 20;

async function firstCallLatency(): Promise<BenchResult[]> {
  const { files, probes, config } = onCallPlugins(IDLE_PLUGINS);
  const daemon = await startDaemon(onCleanup, { plugins: files, config });
  try {
    const idle = [...probes];
    const latency = await sampleMs(IDLE_PLUGINS, async () => {
      await sleep(PAUSE_MS);
      const probe = idle.shift()!;
      const plugin = probe.method.split('.')[0];
      const stateOf = async () => (await daemon.call<{ state: string }>('plugins.status', { name: plugin })).state;
      if ((await stateOf()) !== 'idle') throw new Error(`${plugin} is not idle before its first call`);
      const started = performance.now();
      await daemon.call(probe.method);
      const elapsed = performance.now() - started;
      if ((await stateOf()) !== 'ready') throw new Error(`${plugin} did not start at its first call`);
      return elapsed;
    });
    return percentileResults(latency, { 'firstcall.oncall.p50': 50, 'firstcall.oncall.p95': 95 });
  } finally {
    await daemon.stop();
  }
}

async function reloadLatency(prefix: string, config: object): Promise<BenchResult[]> {
  const daemon = await startDaemon(onCleanup, { examples: true, config });
  try {
    for (let i = 0; i < WARMUP_RELOADS; i++) await forceReload(daemon);
    const latency = await sampleMs(SAMPLES, () => timeReload(daemon));
    return percentileResults(latency, { [`${prefix}.p50`]: 50, [`${prefix}.p95`]: 95 });
  } finally {
    await daemon.stop();
  }
}

export async function forceReload(daemon: TestDaemon): Promise<void> {
  await daemon.call('plugins.reload', { name: PLUGIN, force: true });
}

async function timeReload(daemon: TestDaemon): Promise<number> {
  await sleep(PAUSE_MS);
  const before = await servingWorker(daemon);
  const started = performance.now();
  await forceReload(daemon);
  await daemon.call(`${PLUGIN}.echo`, { after: 'reload' });
  const elapsed = performance.now() - started;
  if ((await servingWorker(daemon)) === before)
    throw new Error(`plugins.reload {force} left ${PLUGIN} on worker ${before}`);
  return elapsed;
}

/** The thread id or process id serving the plugin. */
export async function servingWorker(daemon: TestDaemon, name = PLUGIN): Promise<number | undefined> {
  const plugins = await daemon.call<Array<{ name: string; threadId?: number; pid?: number }>>('plugins.list');
  const plugin = plugins.find((candidate) => candidate.name === name);
  return plugin?.threadId ?? plugin?.pid;
}
