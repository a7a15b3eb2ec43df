// rpc.builtin.* and rpc.plugin.*: calls per second through the real daemon.
// The built-in is `system.methodHelp {method: 'daemon.status'}`, the lightest
// core method that, like a plugin call, takes params and checks them against
// a schema (`daemon.status` reads /proc for its memory figures, and
// `system.listMethods` sorts every method: both would flatter the plugin).
// The plugin method is `echo.echo` with the same params, so the request bytes
// are identical; only the route differs (worker and channel).
// rpc.plugin.postmessage.* is the plugin figure again with the daemon's
// `channel: "postmessage"` setting: the shared-memory ring's end-to-end worth.
// rpc.status.* is `daemon.status` without params, the figure issue 2 asks for.
// rpc.plugin.process.* is the plugin figure with every plugin in a process of
// its own (`isolation: "process"`, over the shared-memory ring when built).
// rpc.plugin.shared.c32 is the plugin figure with the examples in one shared
// worker (`plugins.<name>.sharedWorker`: the member's tag on each id), taken in
// turns with rpc.plugin.turns.c32, the plain figure again, both daemons up
// (median of SHARED_TURNS each): two figures taken a minute apart differ by the
// machine's drift (±15 % between runs here) more than by what sharing costs.
// rpc.plugin.exec.* is the same params through a stdio plugin: the Python
// scaffold's `echo` (test/fixtures/exec/plugins.ts), JSON-RPC lines over its pipes.

import { callsPerSecond, PROBE_PARAMS } from './concurrency.js';
import { onCleanup } from './cleanup.js';
import { startDaemon, type DaemonSetup } from '../test/helpers/daemon.js';
import type { BenchResult } from './result.js';
import { HAS_PYTHON, pythonScaffold } from '../test/fixtures/exec/plugins.js';

export const BUILTIN_METHOD = 'system.methodHelp';
export const PLUGIN_METHOD = 'echo.echo';

export async function benchRpc(): Promise<BenchResult[]> {
  return [
    ...(await againstDaemon({ examples: true }, [
      ['rpc.builtin', BUILTIN_METHOD],
      ['rpc.plugin', PLUGIN_METHOD],
      ['rpc.status', 'daemon.status', {}],
    ])),
    ...(await againstDaemon({ examples: true, config: { channel: 'postmessage' } }, [
      ['rpc.plugin.postmessage', PLUGIN_METHOD],
    ])),
    ...(await againstDaemon({ examples: true, config: { isolation: 'process' } }, [
      ['rpc.plugin.process', PLUGIN_METHOD],
    ])),
    ...(await sharedInTurns()),
    ...(await execFigures()),
  ];
}

const SHARED_TURNS = 5;
const SHARED_EXAMPLES = { plugins: { echo: { sharedWorker: 'examples' }, counter: { sharedWorker: 'examples' } } };

/** rpc.plugin.shared.c32 and rpc.plugin.turns.c32, each the median of its turns. */
async function sharedInTurns(): Promise<BenchResult[]> {
  const plain = await startDaemon(onCleanup, { examples: true });
  const shared = await startDaemon(onCleanup, { examples: true, config: SHARED_EXAMPLES });
  try {
    const turns = { 'rpc.plugin.turns': [] as BenchResult[], 'rpc.plugin.shared': [] as BenchResult[] };
    for (let turn = 0; turn < SHARED_TURNS; turn++) {
      const order = turn % 2 ? ([shared, plain] as const) : ([plain, shared] as const);
      for (const daemon of order) {
        const prefix = daemon === shared ? 'rpc.plugin.shared' : 'rpc.plugin.turns';
        const [c32] = await callsPerSecond({
          prefix,
          method: PLUGIN_METHOD,
          unit: 'calls/s',
          socket: daemon.socket,
          serverPid: daemon.pid,
          params: PROBE_PARAMS,
          inFlight: [32],
        });
        turns[prefix].push(c32);
      }
    }
    return Object.values(turns).map((results) => results.sort((a, b) => a.value - b.value)[results.length >> 1]);
  } finally {
    await Promise.all([plain.stop(), shared.stop()]);
  }
}

async function execFigures(): Promise<BenchResult[]> {
  if (!HAS_PYTHON) {
    console.log('  rpc.plugin.exec: skipped, python3 is not installed here');
    return [];
  }
  return againstDaemon({ plugins: pythonScaffold('pyecho') }, [['rpc.plugin.exec', 'pyecho.echo']]);
}

/** Each [figure prefix, method, params] at 1 and 32 in flight, against one daemon started with `options`. */
async function againstDaemon(options: DaemonSetup, figures: Array<[string, string, unknown?]>): Promise<BenchResult[]> {
  const daemon = await startDaemon(onCleanup, options);
  try {
    const results: BenchResult[] = [];
    for (const [prefix, method, params = PROBE_PARAMS] of figures) {
      results.push(
        ...(await callsPerSecond({
          prefix,
          method,
          unit: 'calls/s',
          socket: daemon.socket,
          serverPid: daemon.pid,
          params,
        })),
      );
    }
    return results;
  } finally {
    await daemon.stop();
  }
}
