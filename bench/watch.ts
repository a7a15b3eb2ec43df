// watch.p50/p95 and watch.ts.p50/p95: with `--watch`, the time from writing a
// changed plugin source to its new version answering. `watch.*` rewrites a
// single `NAME.plugin.js` file; `watch.ts.*` is the developer loop of issue 5:
// saving `src/index.ts` of a project folder as `plugd new` lays it out.

import { setTimeout as sleep } from 'node:timers/promises';
import { percentileResults, sampleMs } from './harness.js';
import { onCleanup } from './cleanup.js';
import { startDaemon, writePlugin, type TestDaemon } from '../test/helpers/daemon.js';
import { projectPlugin, singleFilePlugin, type VersionedPlugin } from './plugins.js';
import type { BenchResult } from './result.js';
import { until } from '../test/helpers/until.js';

const SAMPLES = 30;
/** How often the new version is asked for: the figures are this coarse. */
const POLL_MS = 2;
const GIVE_UP_MS = 10_000;
/** Edits are seconds apart in real life; this lets the old worker's retirement finish between samples. */
const PAUSE_MS = 100;

export async function benchWatch(): Promise<BenchResult[]> {
  const single = singleFilePlugin('watched');
  const project = projectPlugin('dev');
  const daemon = await startDaemon(onCleanup, {
    examples: true,
    args: ['--watch'],
    plugins: { ...single.files(0), ...project.files(0) },
  });
  try {
    const singleFile = await sampleMs(SAMPLES, (index) => timeToNewVersion(daemon, single, index + 1));
    const projectFile = await sampleMs(SAMPLES, (index) => timeToNewVersion(daemon, project, index + 1));
    return [
      ...percentileResults(singleFile, { 'watch.p50': 50, 'watch.p95': 95 }),
      ...percentileResults(projectFile, { 'watch.ts.p50': 50, 'watch.ts.p95': 95 }),
    ];
  } finally {
    await daemon.stop();
  }
}

/** Writes `version` of the plugin's source and polls until it answers; milliseconds. */
async function timeToNewVersion(daemon: TestDaemon, plugin: VersionedPlugin, version: number): Promise<number> {
  await sleep(PAUSE_MS);
  const source = plugin.source;
  const started = performance.now();
  writePlugin(daemon.pluginDir, source, plugin.files(version)[source]);
  const method = `${plugin.name}.version`;
  const served = () => {
    if (performance.now() - started > GIVE_UP_MS)
      throw new Error(`${source}: version ${version} not served after ${GIVE_UP_MS} ms`);
    return daemon.call<number>(method);
  };
  await until(served, (answer) => answer === version, POLL_MS);
  return performance.now() - started;
}
