// `npm run soak [-- --minutes N]` (default 10; not part of `npm test`): mixed
// load from 8 clients on a real daemon while one plugin crashes on purpose,
// another is reloaded by RPC, and the folder is rescanned by SIGHUP after a
// file change. Reports calls, errors by code (each explained) and the daemon's
// RSS at start and end.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallError } from '../../core/cli/client.js';
import { cleanUpEverything, installCleanupHandlers, onCleanup } from '../../bench/cleanup.js';
import { startDaemon } from '../helpers/daemon.js';
import { MIB, rssBytes } from '../../bench/proc.js';

const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1]) || 10;
const CLIENTS = 8;

/** Crashes (process.exit) on about one call in 2000. */
const CRASHY = `export default { setup(ctx) {
  ctx.rpc.method('work', {}, ({ n }) => { if (Math.random() < 0.0005) process.exit(3); return n * 2; });
} }`;
const versioned = (version: number) =>
  `export default { setup(ctx) { ctx.rpc.method('version', {}, () => ${version}); } }`;

const EXPLANATIONS: Record<string, string> = {
  '-32001': 'calls in flight on the crashy plugin when it exited, or made while it restarted (by design)',
  '-32003': 'a call past its deadline',
  '-32005': 'a bound on calls in flight was reached',
  '-32603': 'a handler threw',
};

const rssMb = (pid: number) => rssBytes(pid) / MIB;

async function main(): Promise<void> {
  // Ready once every plugin has loaded; stopped (and its home removed) on any exit.
  const daemon = await startDaemon(onCleanup, {
    examples: true,
    plugins: { 'crashy.plugin.js': CRASHY, 'versioned.plugin.js': versioned(0) },
    config: { supervision: { restart: { initialDelayMs: 10, maxDelayMs: 200, maxCrashes: 100_000 } } },
  });
  try {
    const control = await daemon.client();
    const rssStart = rssMb(daemon.pid);
    const deadline = Date.now() + minutes * 60_000;
    let calls = 0;
    let reloads = 0;
    let rescans = 0;
    const errors: Record<string, number> = {};
    const mix: Array<[string, (n: number) => unknown]> = [
      ['echo.say', (n) => ({ text: `soak ${n}` })],
      ['crashy.work', (n) => ({ n })],
      ['daemon.status', () => undefined],
      ['versioned.version', () => undefined],
    ];
    const clients = Array.from({ length: CLIENTS }, async () => {
      const client = await daemon.client();
      for (let n = 0; Date.now() < deadline; n++) {
        const [method, params] = mix[n % mix.length];
        try {
          await client.call(method, params(n));
        } catch (error) {
          const code = error instanceof CallError ? String(error.code) : `transport: ${(error as Error).message}`;
          errors[code] = (errors[code] ?? 0) + 1;
        }
        calls++;
      }
      client.close();
    });
    const churn = (async () => {
      for (let round = 1; Date.now() < deadline; round++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await control.call('plugins.reload', { name: 'echo', force: true });
        reloads++;
        if (round % 5 === 0) {
          writeFileSync(join(daemon.pluginDir, 'versioned.plugin.js'), versioned(round));
          process.kill(daemon.pid, 'SIGHUP');
          rescans++;
        }
      }
    })();
    const progress = setInterval(
      () => console.error(`… ${calls} calls, RSS ${rssMb(daemon.pid).toFixed(1)} MB`),
      30_000,
    );
    await Promise.all([...clients, churn]);
    clearInterval(progress);
    const crashy = (await control.call<Array<{ name: string; restarts: number }>>('plugins.list')).find(
      (plugin) => plugin.name === 'crashy',
    );
    const report = {
      minutes,
      clients: CLIENTS,
      calls,
      callsPerSecond: Math.round(calls / (minutes * 60)),
      reloads,
      rescans,
      crashes: crashy?.restarts,
      errors: Object.fromEntries(
        Object.entries(errors).map(([code, count]) => [code, { count, why: EXPLANATIONS[code] ?? 'unexpected' }]),
      ),
      rssMb: { start: Number(rssStart.toFixed(1)), end: Number(rssMb(daemon.pid).toFixed(1)) },
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await daemon.stop();
  }
}

installCleanupHandlers();
try {
  await main();
} finally {
  cleanUpEverything();
}
