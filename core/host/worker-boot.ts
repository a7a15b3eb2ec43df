// How the host boots its plugins' workers: the backend for a slot's isolation,
// a spare or a new worker for a plugin of its own (spare-workers.ts), a place
// in the shared worker for one that names one (`plugins.<name>.sharedWorker`,
// shared-workers.ts), and the members that follow their shared worker when a
// reload starts a new one.

import type { DaemonLog } from '../observe/log.js';
import type { RpcError } from '../rpc/errors.js';
import { ExecBackend } from './exec-backend.js';
import { PluginWorker, type WorkerLogSink } from './plugin-worker.js';
import { ProcessBackend } from './process-backend.js';
import { SharedWorkers } from './shared-workers.js';
import { SpareWorkers } from './spare-workers.js';
import type { PluginSupervisor } from './supervisor.js';
import { ThreadBackend } from './thread-backend.js';
import { workerLogSink } from './worker-log-sink.js';
import { isExecSlot, type WorkerBackend, type WorkerSlot } from './worker-backend.js';

export class WorkerBoot {
  /** Workers booted ahead for plugins of their own (`spareWorker`). */
  readonly spares: SpareWorkers;
  /** Workers that several plugins share (`plugins.<name>.sharedWorker`). */
  private readonly shared: SharedWorkers;
  private readonly sink: WorkerLogSink;

  constructor(
    spareWorker: boolean,
    private readonly log: DaemonLog,
  ) {
    this.sink = workerLogSink(log);
    this.spares = new SpareWorkers(
      spareWorker,
      (slot, spare) => new PluginWorker(slot, this.backend(slot, spare), this.sink),
    );
    this.shared = new SharedWorkers((slot) => this.backend(slot, false), this.sink);
  }

  /** A worker for one plugin (`slot`): in its shared worker if it names one, else a spare or a new one. */
  boot(plugin: string, slot: WorkerSlot): PluginWorker {
    return slot.sharedWorker === undefined
      ? this.spares.take(slot)
      : new PluginWorker(slot, this.shared.take(plugin, slot.sharedWorker, slot), this.sink);
  }

  /**
   * `plugin` reloaded into a new shared worker: the other members (of
   * `plugins`) serving in an older one follow it there, each blue/green with
   * its build and state (shared-workers.ts). One that fails to move serves on
   * where it is.
   */
  async followSharedWorker(plugin: PluginSupervisor, plugins: Iterable<PluginSupervisor>): Promise<void> {
    const name = plugin.settings.slot.sharedWorker;
    if (name === undefined) return;
    const behind = (member: PluginSupervisor) => this.shared.behind(member.name, name);
    const members = [...plugins].filter(
      (member) => member !== plugin && member.settings.slot.sharedWorker === name && behind(member),
    );
    await Promise.all(
      members.map((member) =>
        member
          .follow(() => behind(member))
          .catch((error: RpcError) =>
            this.log.logger.warn(
              { plugin: member.name },
              `${member.name} stays in its old shared worker "${name}": ${error.message}`,
            ),
          ),
      ),
    );
  }

  /** The backend for a slot's isolation. */
  private backend(slot: WorkerSlot, spare: boolean): WorkerBackend {
    return slot.isolation === 'thread'
      ? new ThreadBackend(slot, spare)
      : isExecSlot(slot)
        ? new ExecBackend(slot, spare)
        : new ProcessBackend(slot, spare, (message) => this.log.logger.warn({ plugin: slot.process.plugin }, message));
  }
}
