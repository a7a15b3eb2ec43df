// The moving parts of a blue/green swap (ARCHITECTURE.md, "Freeze, then
// snapshot"): the gate calls wait at while the plugin is frozen (call-gate.ts),
// the freeze that lets a worker's calls finish before its snapshot, and the
// replaced workers draining and stopping in the background. The supervisor
// decides when; WorkerSwap does the step.

import { CallGate } from './call-gate.js';
import { HostErrors, type Phase } from './errors.js';
import type { PluginWorker } from './plugin-worker.js';
import type { SupervisorEnvironment } from './supervisor-types.js';

/** The plugin a swap works for: its name and the environment it runs under now. */
export interface SwappedPlugin {
  readonly name: string;
  readonly env: SupervisorEnvironment;
}

export class WorkerSwap {
  /** Closed while the plugin is frozen: calls wait there. */
  private readonly gate = new CallGate();
  /** Workers stopping in the background, by the promise of their end. */
  private readonly retiring = new Map<Promise<void>, PluginWorker>();

  constructor(private readonly plugin: SwappedPlugin) {}

  /** A call through the gate: on at once while it is open, else it waits (its deadline running); `admit` gets what is left. */
  enter(method: string, timeoutMs: number, admit: (remainingMs: number) => Promise<unknown>): Promise<unknown> {
    const { gate, plugin } = this;
    if (!gate.closed) return admit(timeoutMs);
    if (gate.waiting >= plugin.env.maxInFlight) return Promise.reject(HostErrors.queueFull(plugin.name, gate.waiting));
    const expired = () => HostErrors.callDeadline(plugin.name, method, timeoutMs);
    return gate.pass(timeoutMs, expired).then(admit);
  }

  /**
   * Closes the gate, lets `worker`'s calls in flight finish (`freezeTimeoutMs`),
   * then takes its snapshot; `step` hears each phase as it begins. The gate is
   * left closed: the caller opens it.
   */
  async frozenSnapshot(worker: PluginWorker, step: (phase: Phase) => void): Promise<unknown> {
    const { freezeTimeoutMs, snapshotTimeoutMs } = this.plugin.env.supervision;
    step('freeze');
    this.gate.close();
    if (!(await worker.idleWithin(freezeTimeoutMs))) throw HostErrors.freezeExpired(worker.inFlight, freezeTimeoutMs);
    step('snapshot');
    return worker.snapshot(snapshotTimeoutMs);
  }

  /** Opens the gate: the calls that waited go on to whichever worker serves by then. */
  open(): void {
    this.gate.open();
  }

  /** Lets an old worker finish its calls and stop, in the background. */
  retire(worker: PluginWorker): void {
    const { name, env } = this.plugin;
    const { drainTimeoutMs } = env.supervision;
    const stopping = worker.stop(drainTimeoutMs, drainTimeoutMs).then((errors) => {
      for (const error of errors) env.logger.warn({ plugin: name, phase: 'stop' }, `plugin ${name} stop: ${error}`);
      this.retiring.delete(stopping);
    });
    this.retiring.set(stopping, worker);
  }

  /** Settles once the workers retiring now have stopped. */
  async retired(): Promise<void> {
    await Promise.all(this.retiring.keys());
  }

  /** What the stopping workers wait for (`plugd stop` shows it), if anything. */
  get waitingFor(): string | undefined {
    const waits = [...this.retiring.values()].map((worker) => worker.waitingFor).filter((wait) => wait !== undefined);
    return waits.length ? waits.join(', ') : undefined;
  }
}
