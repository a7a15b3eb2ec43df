// Where the daemon's time goes in one scenario: runs it against a daemon
// started with `node --cpu-prof`, stops the daemon so every thread writes its
// profile, and prints each thread's functions ranked by self time.
//
//   node --import ./test/preload.js bench/profile.ts rpc.plugin|rpc.builtin|reload|start [--keep]

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpEverything, installCleanupHandlers, onCleanup } from './cleanup.js';
import { callsPerSecond, PROBE_PARAMS } from './concurrency.js';
import { startDaemon } from '../test/helpers/daemon.js';
import { summarizeProfiles, type Hotspot } from './cpuprofile.js';
import { tenPlugins } from './plugins.js';
import { forceReload } from './reload.js';
import { BUILTIN_METHOD, PLUGIN_METHOD } from './rpc.js';
import { inDetachedHome, runPlugd, timeStart } from './start.js';

const PROFILED_RELOADS = 50;
const TOP_ENTRIES = 12;

type Scenario = (nodeArgs: string[]) => Promise<void>;

async function underC32Load(nodeArgs: string[], method: string): Promise<void> {
  const daemon = await startDaemon(onCleanup, { examples: true, nodeArgs });
  try {
    await callsPerSecond({
      prefix: `profiled.${method}`,
      unit: 'calls/s',
      socket: daemon.socket,
      serverPid: daemon.pid,
      method,
      params: PROBE_PARAMS,
      inFlight: [32],
    });
  } finally {
    await daemon.stop();
  }
}

const SCENARIOS: Record<string, Scenario> = {
  'rpc.plugin': (nodeArgs) => underC32Load(nodeArgs, PLUGIN_METHOD),
  'rpc.builtin': (nodeArgs) => underC32Load(nodeArgs, BUILTIN_METHOD),
  async reload(nodeArgs) {
    const daemon = await startDaemon(onCleanup, { examples: true, nodeArgs });
    try {
      for (let i = 0; i < PROFILED_RELOADS; i++) await forceReload(daemon);
    } finally {
      await daemon.stop();
    }
  },
  async start(nodeArgs) {
    const ten = tenPlugins();
    await inDetachedHome({ examples: true, plugins: ten.files }, async (home) => {
      console.log(
        `  plugd start → 10 plugins answering: ${(await timeStart(home, ten.probes, nodeArgs)).toFixed(0)} ms`,
      );
      await runPlugd(['stop', '--home', home.home]);
    });
  },
};

/** `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`: thread 0 is a process's main thread. */
function groupByThreadKind(files: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const [, , , pid, thread] = file.split('.');
    const group = `pid ${pid}, ${thread === '0' ? 'main thread' : 'worker threads'}`;
    groups.set(group, [...(groups.get(group) ?? []), file]);
  }
  return groups;
}

function printHotspots(hotspots: Hotspot[]): void {
  console.table(
    hotspots.map((hot) => ({ 'self ms': hot.selfMs.toFixed(1), '%': (hot.share * 100).toFixed(1), where: hot.label })),
  );
}

function printProfiles(dir: string): void {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort();
  for (const [group, members] of groupByThreadKind(files)) {
    const summary = summarizeProfiles(
      members.map((file) => join(dir, file)),
      TOP_ENTRIES,
    );
    const threads = members.length > 1 ? ` (${members.length} threads merged)` : '';
    console.log(`\n${group}${threads}: ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle`);
    printHotspots(summary.origins);
    printHotspots(summary.functions);
  }
}

async function main(): Promise<void> {
  const [name, flag] = process.argv.slice(2);
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`usage: bench/profile.ts ${Object.keys(SCENARIOS).join('|')} [--keep]`);
  const keep = flag === '--keep';
  const dir = mkdtempSync(join(tmpdir(), 'plugd-profile-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forgetDir = keep ? () => undefined : onCleanup(removeDir);
  await scenario(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  printProfiles(dir);
  if (keep) {
    console.log(`\nprofiles kept in ${dir} (open them in Chrome DevTools → Performance)`);
    return;
  }
  removeDir();
  forgetDir();
}

installCleanupHandlers();
try {
  await main();
} finally {
  cleanUpEverything();
}
