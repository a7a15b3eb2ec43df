// start.0plugins and start.10plugins: `plugd start` (detached, as a user runs
// it) until every plugin in the folder answers a call (with none, until
// `daemon.status` answers: issue 2's "time to the first answered call").
// Each sample is a cold start of a new daemon process; `plugd stop` between.
// start.100plugins.oncall: a hundred onCall plugins, their methods cached by
// one start before the samples, until `daemon.status` answers (none starts).
// start.exec.ms: a stdio plugin (the Python scaffold) from `plugins.load`,
// which spawns it, to its first answered call, in a running daemon.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { RpcClient } from '../core/cli/client.js';
import { readPid } from '../core/home/pidfile.js';
import { killIfAlive, onCleanup } from './cleanup.js';
import { CLI, makeHome, startDaemon, type Home, type HomeSetup } from '../test/helpers/daemon.js';
import { percentileResults, sampleMs } from './harness.js';
import { onCallPlugins, tenPlugins, type PluginProbe } from './plugins.js';
import type { BenchResult } from './result.js';
import { HAS_PYTHON, pythonScaffold } from '../test/fixtures/exec/plugins.js';

const SAMPLES = 5;

export async function benchStart(): Promise<BenchResult[]> {
  const ten = tenPlugins();
  return [
    ...(await startLatency('start.0plugins', { plugins: {} }, [{ method: 'daemon.status' }])),
    ...(await startLatency('start.10plugins', { examples: true, plugins: ten.files }, ten.probes)),
    ...(await startLatency('start.100plugins.oncall', hundredOnCall(), [{ method: 'daemon.status' }], 1)),
    ...(await execStartLatency()),
  ];
}

/** `plugins.load` of the Python scaffold until its echo answers; unloaded between samples. */
async function execStartLatency(): Promise<BenchResult[]> {
  if (!HAS_PYTHON) {
    console.log('  start.exec.ms: skipped, python3 is not installed here');
    return [];
  }
  const daemon = await startDaemon(onCleanup, { plugins: pythonScaffold('pyecho') });
  try {
    const path = join(daemon.pluginDir, 'pyecho');
    await daemon.call('plugins.unload', { name: 'pyecho' });
    const latency = await sampleMs(SAMPLES, async () => {
      const started = performance.now();
      await daemon.call('plugins.load', { path });
      await daemon.call('pyecho.echo', { ping: true });
      const elapsed = performance.now() - started;
      await daemon.call('plugins.unload', { name: 'pyecho' });
      return elapsed;
    });
    console.log(`  start.exec.ms: ${SAMPLES} loads, ${latency.ms(0).toFixed(0)}–${latency.ms(100).toFixed(0)} ms`);
    return percentileResults(latency, { 'start.exec.ms': 50 });
  } finally {
    await daemon.stop();
  }
}

/** A hundred onCall plugins. */
export function hundredOnCall(): HomeSetup {
  const { files, config } = onCallPlugins(100);
  return { plugins: files, config };
}

/** `warmUps` starts and stops first, unmeasured (an onCall plugin's first start learns its methods). */
async function startLatency(
  name: string,
  setup: HomeSetup,
  probes: PluginProbe[],
  warmUps = 0,
): Promise<BenchResult[]> {
  const latency = await inDetachedHome(setup, async (home) => {
    for (let warmUp = 0; warmUp < warmUps; warmUp++) {
      await timeStart(home, probes);
      await runPlugd(['stop', '--home', home.home]);
    }
    return sampleMs(SAMPLES, async () => {
      const elapsed = await timeStart(home, probes);
      await runPlugd(['stop', '--home', home.home]);
      return elapsed;
    });
  });
  console.log(`  ${name}: ${SAMPLES} cold starts, ${latency.ms(0).toFixed(0)}–${latency.ms(100).toFixed(0)} ms`);
  return percentileResults(latency, { [name]: 50 });
}

/** Runs `use` with a new home whose detached daemon, if `use` leaves one running, is killed on any exit. */
export async function inDetachedHome<T>(setup: HomeSetup, use: (home: Home) => Promise<T>): Promise<T> {
  const home = makeHome(onCleanup, setup);
  // A detached daemon is not our child: it is found through its pidfile (gone once it stopped).
  const killDaemon = () => {
    const pid = readPid(home.pidfile);
    if (pid !== undefined) killIfAlive(pid);
  };
  const forgetDaemon = onCleanup(killDaemon);
  try {
    return await use(home);
  } finally {
    killDaemon();
    forgetDaemon();
    home.remove();
  }
}

/** `plugd start` until every probe is answered, in milliseconds; the daemon is left running. */
export async function timeStart(home: Home, probes: PluginProbe[], nodeArgs: string[] = []): Promise<number> {
  const started = performance.now();
  await runPlugd(['start', '--home', home.home], nodeArgs);
  const client = await RpcClient.connect(home.socket);
  try {
    await Promise.all(probes.map((probe) => client.call(probe.method, probe.params)));
  } finally {
    client.close();
  }
  return performance.now() - started;
}

/** Runs the CLI to completion; a non-zero exit is an error with its output. */
export function runPlugd(args: string[], nodeArgs: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const forget = onCleanup(() => killIfAlive(child.pid!));
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      forget();
      if (code === 0) resolve();
      else reject(new Error(`plugd ${args.join(' ')} exited with ${code}: ${output}`));
    });
  });
}
