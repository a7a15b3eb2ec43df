// The contracts of thread mode, run with every plugin in a process of its own
// (isolation "process"): each fault costs only its plugin's calls, with the
// answers thread mode gives (supervision.test.ts, reload.test.ts); a reload
// under load loses no call; the daemon's death takes its plugin processes with
// it. Registered once per process channel: process.test.ts (the shared-memory
// ring) and process-pipe.test.ts (the IPC pipe fallback).

import test from 'ava';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { FAST_SUPERVISION, FAULTY } from '../fixtures/faults/faulty.js';

/** A process's heartbeat crosses its IPC channel: a little more room than a thread's on a loaded machine. */
const supervision = { ...FAST_SUPERVISION, heartbeatTimeoutMs: 1000 };

const versioned = (version: number) => `
import { definePlugin } from 'plugd/sdk';
let calls = 0;
export default definePlugin({
  setup(ctx) { ctx.rpc.method('get', {}, () => ({ version: ${version}, calls: ++calls, pid: process.pid })); },
  snapshot: () => new Map([['calls', calls]]),
  restore: (state) => { calls = state.get('calls'); },
});
`;

export async function pluginNamed(daemon: TestDaemon, name: string): Promise<any> {
  const plugins: any[] = await daemon.call('plugins.list');
  return plugins.find((plugin) => plugin.name === name);
}

/** The pids of the processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid);
      } catch {
        return false; // Gone meanwhile.
      }
    })
    .map(Number);
}

/** The plugin processes under the daemon `pid` (not esbuild's service); one that ends meanwhile is left out. */
function pluginProcessesOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('process-runtime');
    } catch {
      return false;
    }
  });
}

/** Running (a zombie waiting for its reaper is not). */
export function processAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
}

export function registerProcessCases(channel: 'shm' | 'pipe'): void {
  const config = { isolation: 'process', supervision };

  for (const [fault, reason] of [
    ['throwLater', /uncaught Error: timer threw/],
    ['exit', /exited with code 1/],
    ['spin', /event loop blocked/],
    ['oom', /out of memory/],
  ] as const) {
    test(`process mode (${channel}): a plugin that faults (${fault}) costs its own calls only, and comes back`, async (t) => {
      const heartbeatTimeoutMs = fault === 'oom' ? 60_000 : supervision.heartbeatTimeoutMs;
      const daemon = await startDaemon(t, {
        examples: true,
        plugins: { 'faulty.plugin.js': FAULTY },
        config: {
          ...config,
          supervision: { ...supervision, heartbeatTimeoutMs, resourceLimits: { maxOldGenerationSizeMb: 32 } },
        },
      });
      const before = await pluginNamed(daemon, 'faulty');
      t.like(before, { isolation: 'process', channel, threadId: undefined });
      t.true(childrenOf(daemon.pid).includes(before.pid));
      const [error] = await Promise.all([
        t.throwsAsync<any>(daemon.call(`faulty.${fault}`)),
        daemon.call('echo.say', { text: 'meanwhile' }),
      ]);
      t.is(error!.code, -32001, error!.message);
      t.is(error!.data?.plugin, 'faulty');
      t.regex(error!.message, reason);
      t.deepEqual(await daemon.call('echo.say', { text: 'after' }), { text: 'after' });
      const back = await until(
        () => pluginNamed(daemon, 'faulty'),
        (plugin) => plugin.state === 'ready' && plugin.pid !== before.pid,
      );
      t.is(back.restarts, 1);
      t.not(back.pid, before.pid);
      t.false(processAlive(before.pid));
      t.is(await daemon.call('faulty.ok'), 'ok');
    });
  }

  test(`process mode (${channel}): a setup that never resolves misses the load deadline`, async (t) => {
    const daemon = await startDaemon(t, {
      examples: true,
      plugins: { 'hang.plugin.js': 'export default { setup() { return new Promise(() => {}); } }' },
      config: { ...config, plugins: { hang: { supervision: { loadTimeoutMs: 1000 } } } },
    });
    const hang = await pluginNamed(daemon, 'hang');
    t.is(hang.state, 'failed');
    t.regex(hang.lastError, /load missed its deadline of 1000 ms/);
    t.deepEqual(await daemon.call('echo.say', { text: 'x' }), { text: 'x' });
  });

  test(`process mode (${channel}): a reload to broken code leaves the old version serving`, async (t) => {
    const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(1) }, config });
    const file = join(daemon.pluginDir, 'v.plugin.js');
    for (const [broken, reason] of [
      ['export default {{', /compile error: .*Expected identifier/],
      ['export default { setup() { throw new Error("nope"); } }', /nope/],
    ] as const) {
      writeFileSync(file, broken);
      const error = await t.throwsAsync<any>(daemon.call('plugins.reload', { name: 'v' }));
      t.regex(error!.message, /plugin v failed to load/);
      t.regex(error!.message, reason);
      t.is((await daemon.call('v.get')).version, 1);
      t.is((await pluginNamed(daemon, 'v')).state, 'ready');
    }
  });

  test.serial(
    `process mode (${channel}): 100 forced reloads under load from 8 clients cost no call, state crossing each`,
    async (t) => {
      t.timeout(120_000);
      const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(1) }, config });
      let done = false;
      let calls = 0;
      const errors: string[] = [];
      const pids = new Set<number>();
      const loops = Array.from({ length: 8 }, async () => {
        const client = await daemon.client();
        while (!done) {
          try {
            pids.add((await client.call<any>('v.get')).pid);
            calls++;
          } catch (error) {
            errors.push((error as Error).message);
          }
        }
      });
      for (let reload = 0; reload < 100; reload++) await daemon.call('plugins.reload', { name: 'v', force: true });
      done = true;
      await Promise.all(loops);
      t.deepEqual(errors, []);
      t.true(pids.size > 50, `${pids.size} processes served`);
      const last = await daemon.call('v.get');
      // Each reload freezes the old version before its snapshot: every answered call is carried (and this one).
      t.is(last.calls, calls + 1, `count ${last.calls} of ${calls} calls: it crossed the reloads in a Map`);
      const plugin = await pluginNamed(daemon, 'v');
      t.like(plugin, { state: 'ready', restarts: 0, reloads: 100 });
      // The retired processes are gone; the serving one and at most a spare remain.
      await until(
        async () => pluginProcessesOf(daemon.pid),
        (left) => left.length <= 2,
      );
    },
  );

  test(`process mode (${channel}): an unloaded plugin leaves no process behind, its spare included`, async (t) => {
    const daemon = await startDaemon(t, { plugins: { 'v.plugin.js': versioned(1) }, config });
    const runtimes = () => pluginProcessesOf(daemon.pid);
    await daemon.call('plugins.reload', { name: 'v', force: true });
    // Reloaded once, the plugin keeps a booted spare process of its own.
    await until(
      async () => runtimes(),
      (left) => left.length === 2,
    );
    await daemon.call('plugins.unload', { name: 'v' });
    t.deepEqual(
      await until(
        async () => runtimes(),
        (left) => left.length === 0,
      ),
      [],
    );
  });

  test(`process mode (${channel}): kill -9 of the daemon leaves no plugin process within 2 s`, async (t) => {
    const daemon = await startDaemon(t, { examples: true, config });
    const plugins: any[] = await daemon.call('plugins.list');
    const pids = plugins.map((plugin) => plugin.pid as number);
    t.true(
      pids.length >= 2 && pids.every((pid) => processAlive(pid)),
      JSON.stringify(plugins.map((p) => [p.pid, p.state, p.lastError])),
    );
    const fallbackNotes = daemon.output().match(/process plugins talk over their IPC pipe: .*PLUGD_NO_SHM/g) ?? [];
    t.is(fallbackNotes.length, channel === 'pipe' ? 1 : 0, 'the fallback is logged once');
    daemon.signal('SIGKILL');
    await daemon.exited;
    const deadline = Date.now() + 2000;
    while (pids.some(processAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    t.deepEqual(pids.filter(processAlive), []);
  });

  test(`process mode (${channel}): a plugin whose event loop is blocked ends with its daemon too`, async (t) => {
    // The heartbeat would kill the blocked plugin itself: here only the daemon's death may end it.
    const patient = { ...config, supervision: { ...supervision, heartbeatTimeoutMs: 600_000 } };
    const daemon = await startDaemon(t, { config: patient, plugins: { 'stuck.plugin.mjs': STUCK } });
    const [plugin] = await daemon.call<any[]>('plugins.list');
    const client = await daemon.client();
    client.call('stuck.spin').catch(() => undefined);
    await until(
      async () => (await daemon.call('plugins.list'))[0].inFlight,
      (inFlight) => inFlight === 1,
    );
    daemon.signal('SIGKILL');
    await daemon.exited;
    const deadline = Date.now() + 2000;
    while (processAlive(plugin.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    t.false(processAlive(plugin.pid), 'the blocked plugin process is gone');
  });
}

const STUCK = `export default { setup(ctx) { ctx.rpc.method('spin', {}, () => { for (;;) {} }); } };`;
