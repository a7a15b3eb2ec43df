import test from 'ava';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SpareWorkers } from '../../../core/host/spare-workers.js';
import type { PluginWorker } from '../../../core/host/plugin-worker.js';
import type { WorkerSlot } from '../../../core/host/worker-backend.js';

const slot: WorkerSlot = {
  isolation: 'thread',
  channel: 'sab',
  resourceLimits: {},
  heartbeatTimeoutMs: 1000,
  logLevel: 'info',
};

/** Records each boot: which slot, and whether it was booted as a spare. */
function booter() {
  const boots: Array<{ spare: boolean; worker: PluginWorker }> = [];
  const boot = (_slot: WorkerSlot, spare: boolean) => {
    const worker = { alive: true, once: () => undefined, terminate: async () => undefined } as unknown as PluginWorker;
    boots.push({ spare, worker });
    return worker;
  };
  return { boots, boot };
}

test('the workers of the start are booted on demand, not as spares; once armed, a spare waits and is taken', async (t) => {
  const { boots, boot } = booter();
  const workers = new SpareWorkers(true, boot);
  workers.take(slot);
  t.deepEqual(
    boots.map((entry) => entry.spare),
    [false],
  );
  workers.arm();
  t.deepEqual(
    boots.map((entry) => entry.spare),
    [false, true],
  );
  t.is(workers.take(slot), boots[1].worker);
  await nextTurn();
  // The spare taken is replaced by another, booted as a spare too (it loads the logger while it waits).
  t.deepEqual(
    boots.map((entry) => entry.spare),
    [false, true, true],
  );
  await workers.close();
});

test('with spares disabled every worker is booted on demand', async (t) => {
  const { boots, boot } = booter();
  const workers = new SpareWorkers(false, boot);
  workers.take(slot);
  workers.arm();
  workers.take(slot);
  await nextTurn();
  t.deepEqual(
    boots.map((entry) => entry.spare),
    [false, false],
  );
  await workers.close();
});
