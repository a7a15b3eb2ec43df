// rss.idle.0plugins / rss.idle.10plugins: the daemon's resident memory at
// rest. rss.growth.500reloads: its RSS after 500 forced reloads of one plugin
// minus after the first 20 (so start-up and warm-up allocations do not count),
// with the series in between (RSS, JS heap, external, malloc's brk heap)
// printed to show whether growth is steady and where it sits; and
// rss.growth.500workers.bare, the same churn of bare Node workers in a process
// of their own (worker-churn.ts), to tell a Node teardown leak from plugd's.
// rss.idle.10plugins.process: the ten plugins each in a process of its own,
// the daemon and every process under it counted, as resident sets (RSS, the
// pages of Node's code they share counted in each) and proportionally (PSS).
// rss.idle.100plugins.oncall: a hundred idle onCall plugins, the daemon's
// second start in its home (the first cached their methods), so none started.
// pss.idle.100plugins: a hundred idle plugins of one method, a worker thread
// each; pss.idle.100plugins.shared: the same hundred in one shared worker
// (PSS of the daemon and everything under it). pss.plugin.shared.marginal:
// what one more plugin costs in a shared worker, (PSS with 100 − with 10) / 90,
// with the shared worker's heap at both printed beside it.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup, killIfAlive } from './cleanup.js';
import { startDaemon, type DaemonSetup } from '../test/helpers/daemon.js';
import { round } from './harness.js';
import { idlePlugins, tenPlugins } from './plugins.js';
import { readPid } from '../core/home/pidfile.js';
import { hundredOnCall, inDetachedHome, runPlugd, timeStart } from './start.js';
import { brkHeapBytes, MIB, rssBytes, treePssBytes, treeRssBytes } from './proc.js';
import { forceReload } from './reload.js';
import type { BenchResult } from './result.js';
import { TS_LOADER } from './ts-loader.js';
import { RpcClient } from '../core/cli/client.js';
import type { PluginStatus } from '../core/contract/plugin-status.js';

/** Long enough for start-up garbage and retiring workers to be gone. */
const SETTLE_MS = 1000;
const WARM_RELOADS = 20;
const TOTAL_RELOADS = 500;
const REPORT_EVERY = 100;
const WORKER_CHURN = fileURLToPath(new URL('./worker-churn.ts', import.meta.url));

export async function benchRss(): Promise<BenchResult[]> {
  return [
    await idleRss('rss.idle.0plugins', {}),
    await idleRss('rss.idle.10plugins', { examples: true, plugins: tenPlugins().files }),
    await idleOnCallRss(),
    ...(await manyPluginsPss()),
    ...(await idleProcessTree({ examples: true, plugins: tenPlugins().files, config: { isolation: 'process' } })),
    await reloadGrowth(),
    await bareWorkerGrowth(),
  ];
}

function mb(name: string, bytes: number): BenchResult {
  return { name, value: round(bytes / MIB, 1), unit: 'MB' };
}

async function idleRss(name: string, options: DaemonSetup): Promise<BenchResult> {
  const daemon = await startDaemon(onCleanup, options);
  try {
    await sleep(SETTLE_MS);
    return mb(name, rssBytes(daemon.pid));
  } finally {
    await daemon.stop();
  }
}

async function idleOnCallRss(): Promise<BenchResult> {
  return inDetachedHome(hundredOnCall(), async (home) => {
    const status = [{ method: 'daemon.status' }];
    await timeStart(home, status);
    await runPlugd(['stop', '--home', home.home]);
    await timeStart(home, status);
    await sleep(SETTLE_MS);
    const bytes = rssBytes(readPid(home.pidfile)!);
    await runPlugd(['stop', '--home', home.home]);
    return mb('rss.idle.100plugins.oncall', bytes);
  });
}

/** PSS of `count` idle plugins (all started), a worker each or in one shared worker, and the shared worker's heap. */
async function idlePss(count: number, sharedWorker?: string): Promise<{ pss: number; heapUsed?: number }> {
  const set = idlePlugins(count, sharedWorker);
  return inDetachedHome({ plugins: set.files, config: set.config }, async (home) => {
    // The second start, as at rest: builds come from the cache, so no esbuild service runs beside the daemon.
    await timeStart(home, set.probes);
    await runPlugd(['stop', '--home', home.home]);
    await timeStart(home, set.probes);
    await sleep(SETTLE_MS);
    const pid = readPid(home.pidfile)!;
    const client = await RpcClient.connect(home.socket);
    const listed = await client.call<PluginStatus[]>('plugins.list').finally(() => client.close());
    const pss = treePssBytes(pid);
    await runPlugd(['stop', '--home', home.home]);
    return { pss, heapUsed: sharedWorker === undefined ? undefined : listed[0]?.heap?.used };
  });
}

export async function manyPluginsPss(): Promise<BenchResult[]> {
  const each = await idlePss(100);
  const shared = await idlePss(100, 'all');
  const sharedTen = await idlePss(10, 'all');
  const marginal = (shared.pss - sharedTen.pss) / 90;
  const heap = (figure: { heapUsed?: number }) => ((figure.heapUsed ?? 0) / MIB).toFixed(1);
  console.log(
    `  shared worker: PSS ${(sharedTen.pss / MIB).toFixed(1)} MB with 10 plugins, ${(shared.pss / MIB).toFixed(1)} MB with 100; its heap ${heap(sharedTen)} MB and ${heap(shared)} MB`,
  );
  return [
    mb('pss.idle.100plugins', each.pss),
    mb('pss.idle.100plugins.shared', shared.pss),
    { name: 'pss.plugin.shared.marginal', value: round(marginal / 1024, 0), unit: 'KB' },
  ];
}

/** RSS summed over the processes (as `ps` shows them), and PSS (the pages Node's code shares counted once). */
async function idleProcessTree(options: DaemonSetup): Promise<BenchResult[]> {
  const daemon = await startDaemon(onCleanup, options);
  try {
    await sleep(SETTLE_MS);
    return [
      mb('rss.idle.10plugins.process', treeRssBytes(daemon.pid)),
      mb('pss.idle.10plugins.process', treePssBytes(daemon.pid)),
    ];
  } finally {
    await daemon.stop();
  }
}

async function reloadGrowth(): Promise<BenchResult> {
  const daemon = await startDaemon(onCleanup, { examples: true });
  try {
    const series: string[] = [];
    const measure = async (reloads: number) => {
      await sleep(SETTLE_MS);
      const rss = rssBytes(daemon.pid);
      const { memory } = await daemon.call<{ memory: { heapUsed: number; external: number } }>('daemon.status');
      const figures = {
        rss,
        'js heap': memory.heapUsed,
        external: memory.external,
        'malloc [heap]': brkHeapBytes(daemon.pid),
      };
      series.push(
        `${reloads}: ${Object.entries(figures)
          .map(([what, bytes]) => `${what} ${(bytes / MIB).toFixed(1)}`)
          .join(', ')}`,
      );
      return rss;
    };
    let reloads = 0;
    const reloadUntil = async (count: number) => {
      for (; reloads < count; reloads++) await forceReload(daemon);
    };
    await reloadUntil(WARM_RELOADS);
    const warm = await measure(reloads);
    for (let checkpoint = REPORT_EVERY; checkpoint < TOTAL_RELOADS; checkpoint += REPORT_EVERY) {
      await reloadUntil(checkpoint);
      await measure(reloads);
    }
    await reloadUntil(TOTAL_RELOADS);
    const after = await measure(reloads);
    console.log(`  daemon memory (MB) after N reloads: ${series.join('; ')}`);
    return mb('rss.growth.500reloads', after - warm);
  } finally {
    await daemon.stop();
  }
}

async function bareWorkerGrowth(): Promise<BenchResult> {
  const run = promisify(execFile)(process.execPath, [
    ...TS_LOADER,
    WORKER_CHURN,
    String(WARM_RELOADS),
    String(TOTAL_RELOADS),
    String(SETTLE_MS),
  ]);
  const forget = onCleanup(() => killIfAlive(run.child.pid!));
  try {
    const { afterWarmup, afterAll } = JSON.parse((await run).stdout) as { afterWarmup: number; afterAll: number };
    console.log(
      `  bare Node workers: rss ${(afterWarmup / MIB).toFixed(1)} MB after ${WARM_RELOADS}, ${(afterAll / MIB).toFixed(1)} MB after ${TOTAL_RELOADS}`,
    );
    return mb('rss.growth.500workers.bare', afterAll - afterWarmup);
  } finally {
    forget();
  }
}
