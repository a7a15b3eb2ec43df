// The host's shared workers, by name (`plugins.<name>.sharedWorker`): which
// worker a plugin joins, and whether plugins may share one. A plugin joins
// the newest worker of its name; one that is in it already is reloading (or
// waking) a new version, which starts a new worker: the blue/green of the
// whole shared worker. The other members then follow it there, each one
// blue/green with its state carried (`behind`, worker-boot.ts), and the old worker
// ends when its last member has left (shared-worker.ts).

import { HostErrors } from './errors.js';
import type { WorkerLogSink } from './plugin-worker.js';
import { SharedWorker } from './shared-worker.js';
import type { WorkerBackend, WorkerSlot } from './worker-backend.js';

export class SharedWorkers {
  /** Each name's workers still running, the newest (the one plugins join) last. */
  private readonly groups = new Map<string, SharedWorker[]>();

  constructor(
    private readonly boot: (slot: WorkerSlot) => WorkerBackend,
    private readonly log: WorkerLogSink,
  ) {}

  /** A backend for `plugin` in the newest worker of `name`, or in a new one when `plugin` is in it already, or it is full or gone. */
  take(plugin: string, name: string, slot: WorkerSlot): WorkerBackend {
    const workers = this.running(name);
    let newest = workers.at(-1);
    if (!newest || newest.full || newest.has(plugin)) {
      const worker: WorkerSlot =
        slot.isolation === 'process' ? { ...slot, process: { ...slot.process, plugin: `shared-${name}` } } : slot;
      newest = new SharedWorker(name, this.boot(worker), this.log);
      workers.push(newest);
    }
    this.groups.set(name, workers);
    return newest.join(plugin);
  }

  /** Whether `plugin` is not in the newest worker of `name`: another member's reload started that one, and it should follow. */
  behind(plugin: string, name: string): boolean {
    const newest = this.running(name).at(-1);
    return newest !== undefined && !newest.has(plugin);
  }

  private running(name: string): SharedWorker[] {
    return (this.groups.get(name) ?? []).filter((worker) => worker.alive);
  }
}

/**
 * Throws (the load's error, naming both plugins) when `plugin` may not share
 * its worker with the plugins of `slots` that name the same one: members run
 * in one thread or one process, so they must agree on isolation, its limits
 * and, for a process, its user, group and environment.
 */
export function checkSharedSlot(slots: ReadonlyMap<string, WorkerSlot>, plugin: string, slot: WorkerSlot): void {
  const name = slot.sharedWorker;
  if (name === undefined) return;
  if (slot.exec) throw HostErrors.sharedWorkerExec(plugin, name);
  for (const [other, theirs] of slots) {
    if (other === plugin || theirs.sharedWorker !== name) continue;
    const why = disagreement(plugin, slot, other, theirs);
    if (why) throw HostErrors.sharedWorkerConflict(plugin, name, other, why);
  }
}

function disagreement(plugin: string, mine: WorkerSlot, other: string, theirs: WorkerSlot): string | undefined {
  if (mine.isolation !== theirs.isolation) {
    // "auto" puts a plugin with native code in a process: never in a shared thread.
    return `${plugin} runs in a ${mine.isolation} and ${other} in a ${theirs.isolation} (isolation "auto" runs a plugin with native code in a process)`;
  }
  const differ = (key: string, a: unknown, b: unknown) => (JSON.stringify(a) === JSON.stringify(b) ? [] : [key]);
  const keys = [
    ...differ('channel', mine.channel, theirs.channel),
    ...differ('resourceLimits', mine.resourceLimits, theirs.resourceLimits),
    ...differ('heartbeatTimeoutMs', mine.heartbeatTimeoutMs, theirs.heartbeatTimeoutMs),
    ...differ('user', mine.process?.user, theirs.process?.user),
    ...differ('group', mine.process?.group, theirs.process?.group),
    ...differ('env', mine.process?.env, theirs.process?.env),
  ];
  return keys.length ? `their ${keys.join(', ')} differ` : undefined;
}
