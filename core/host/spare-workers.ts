// Booted workers kept ready to take a plugin. A worker thread and the plugin
// runtime take tens of milliseconds to boot; a reload or a restart that finds
// a spare waiting skips that and only imports the plugin and runs its setup.
// One spare is kept per kind of slot (isolation, resource limits, channel,
// heartbeat), and replaced in the background as soon as it is taken. A
// plugin process is started as its plugin's (folder, user, environment), so
// its spare is that plugin's alone, kept once the plugin has reloaded or
// restarted: not one idle process per plugin from the start.

import type { PluginWorker } from './plugin-worker.js';
import type { WorkerSlot } from './worker-backend.js';

export class SpareWorkers {
  private readonly spares = new Map<string, PluginWorker>();
  /** Every kind of slot asked for so far, to have a spare of each. */
  private readonly slots = new Map<string, WorkerSlot>();
  private closed = false;
  private armed = false;

  /** `enabled: false` boots every worker on demand (one thread fewer at rest); `boot` makes a worker, or a spare. */
  constructor(
    private readonly enabled: boolean,
    private readonly boot: (slot: WorkerSlot, spare: boolean) => PluginWorker,
  ) {}

  /**
   * Starts keeping spares, one for each kind of slot used so far. Until then
   * (the daemon's start, when every plugin boots at once) none is made.
   */
  arm(): void {
    this.armed = true;
    if (this.enabled) for (const [key, slot] of this.slots) if (slot.isolation === 'thread') this.refill(key, slot);
  }

  /** A booted worker for `slot`: the spare if one waits, else a new one. */
  take(slot: WorkerSlot): PluginWorker {
    const key = slotKey(slot);
    this.slots.set(key, slot);
    const spare = this.spares.get(key);
    this.spares.delete(key);
    if (this.enabled && this.armed && !this.closed) setImmediate(() => this.refill(key, slot));
    return spare?.alive ? spare : this.boot(slot, false);
  }

  /** No more workers for `slot` (a plugin process's, once its plugin is unloaded): its spare ends. */
  forget(slot: WorkerSlot): void {
    const key = slotKey(slot);
    this.slots.delete(key);
    void this.spares.get(key)?.terminate('stopped');
    this.spares.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    const spares = [...this.spares.values()];
    this.spares.clear();
    await Promise.all(spares.map((spare) => spare.terminate('stopped')));
  }

  private refill(key: string, slot: WorkerSlot): void {
    if (this.closed || this.spares.has(key) || !this.slots.has(key)) return;
    const spare = this.boot(slot, true);
    spare.once('exit', () => {
      if (this.spares.get(key) === spare) this.spares.delete(key);
    });
    this.spares.set(key, spare);
  }
}

function slotKey(slot: WorkerSlot): string {
  return JSON.stringify([
    slot.isolation,
    slot.channel,
    slot.resourceLimits,
    slot.heartbeatTimeoutMs,
    slot.logLevel,
    slot.process,
  ]);
}
