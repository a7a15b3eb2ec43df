// One plugin under supervision: its state machine, the worker serving it, and
// the rules of docs/ARCHITECTURE.md ("The plugin state machine"):
//   discovered → loading → ready → draining → stopped
//   crashed → backoff → loading, and failed (crash-loop cap, or load error).
// Reload is blue/green: the new worker loads beside the old one and takes over
// the plugin's methods in one step; the old one drains; a stateful plugin is
// frozen for its snapshot first (worker-swap.ts). Load, reload, restart
// and unload of one plugin run one at a time. The supervisor knows workers
// only through PluginWorker, whatever kind of worker runs the plugin.
// An onCall plugin is `idle` between its calls: no worker, its methods from
// the manifest cache, its snapshot held by its OnCallActivation (on-call.ts).

import type { CoreToWorker, MethodSpec } from '../channel/protocol.js';
import type { PluginStatus } from '../contract/plugin-status.js';
import type { Activation } from '../config/config.js';
import type { PluginEvent } from '../hooks.js';
import type { RpcError } from '../rpc/errors.js';
import { Admission } from './admission.js';
import { CrashRecovery, type RestartedPlugin } from './crash-recovery.js';
import type { PluginSource } from './discovery.js';
import type { Phase } from './errors.js';
import { OnCallActivation, type OnCallSupervisor } from './on-call.js';
import { pluginStatus } from './plugin-status.js';
import { SupervisedPlugin } from './supervised-plugin.js';
import { WorkerSteps } from './worker-steps.js';
import { WorkerSwap } from './worker-swap.js';
import {
  sameSettings,
  type CarriedState,
  type FrozenPlugin,
  type PluginSettings,
  type ReloadOutcome,
  type SupervisorEnvironment,
} from './supervisor-types.js';

export type { CarriedState, FrozenPlugin, PluginSettings, ReloadOutcome, SupervisorEnvironment };

export class PluginSupervisor {
  /** Its record: source, settings, what serves it, its history (shared with its parts below). */
  private readonly plugin: SupervisedPlugin;
  private readonly recovery: CrashRecovery;
  private queue: Promise<unknown> = Promise.resolve();
  /** The gate, the freeze and the retiring workers of its blue/green swaps. */
  private readonly swap: WorkerSwap;
  private readonly onCall: OnCallActivation;
  private readonly admission: Admission;
  private readonly workers: WorkerSteps;

  constructor(source: PluginSource, env: SupervisorEnvironment) {
    this.plugin = new SupervisedPlugin(source, env);
    this.swap = new WorkerSwap(this.plugin);
    // The steps lent below reach `workers` only when called, once all is built.
    this.recovery = new CrashRecovery(this.plugin, this.lentToRecovery(), env.supervision.restart);
    this.onCall = new OnCallActivation(this.plugin, this.lentToOnCall());
    this.admission = new Admission(this.plugin, this.swap, this.onCall);
    const { swap, recovery, onCall, admission } = this;
    this.workers = new WorkerSteps(this.plugin, {
      swap,
      recovery,
      onCall,
      call: (method, params) => admission.call(method, params),
    });
  }

  get source(): PluginSource {
    return this.plugin.source;
  }

  get name(): string {
    return this.plugin.name;
  }

  /** The files the serving build was made from (for the watcher). */
  get inputs(): string[] {
    return this.plugin.build?.inputs ?? [];
  }

  get state(): PluginStatus['state'] {
    return this.plugin.state;
  }

  /** The activation it runs under: onCall only if asked and its manifest allows it. */
  get activation(): Activation {
    return this.onCall.activation;
  }

  /**
   * First load, restoring `state` if given (as after a reload). A failure
   * leaves the plugin `failed` with the reason, and is thrown.
   */
  load(state?: CarriedState): Promise<void> {
    return this.exclusive(async () => {
      if (this.plugin.env.activation === 'onCall') return this.onCall.load(state);
      const started = performance.now();
      // The worker boots while esbuild compiles: at start, ten plugins boot and compile side by side.
      const worker = this.workers.spawn();
      const build = await this.workers.compile().catch(async (error: unknown) => {
        await worker.terminate('load failed');
        throw error;
      });
      await this.workers.replaceWorker(build, worker, state);
      this.plugin.tell(`loaded ${this.plugin.named()} in ${elapsedMs(started)} ms`);
    });
  }

  /**
   * Freezes a stateful plugin for a hand-over (daemon stop, upgrade): new calls
   * wait, the calls in flight finish (`freezeTimeoutMs`), then its snapshot is
   * taken. The gate stays closed until `release()`, or until the plugin is
   * unloaded (the waiting calls are then refused). Undefined for a plugin
   * without `snapshot` or not serving; a failure reopens the gate and is thrown.
   */
  freeze(): Promise<FrozenPlugin | undefined> {
    return this.exclusive(async () => {
      const held = this.onCall.held;
      if (this.state === 'idle') return held && { value: held.value, release: () => undefined };
      const worker = this.plugin.worker;
      if (this.state !== 'ready' || !worker?.alive || !worker.manifest?.snapshot) return undefined;
      let phase: Phase = 'freeze';
      try {
        const value = await this.swap.frozenSnapshot(worker, (step) => (phase = step));
        return { value, release: () => this.swap.open() };
      } catch (error) {
        this.swap.open();
        throw this.plugin.failed(phase, error);
      }
    });
  }

  /**
   * Blue/green reload. Unless `force`, an unchanged build under unchanged
   * `settings` is a no-op. If the new version fails, the old one (if any)
   * keeps serving, under the old settings, and the error is thrown. A reload
   * starts a fresh crash history.
   */
  reload(options: { force?: boolean; source?: PluginSource; settings?: PluginSettings } = {}): Promise<ReloadOutcome> {
    return this.exclusive(async () => {
      const started = performance.now();
      const before = this.plugin.source.version;
      if (options.source) this.plugin.source = options.source;
      const build = await this.workers.compile();
      const settings = options.settings && this.settingsDiffer(options.settings) ? options.settings : undefined;
      if (this.state === 'idle') {
        // No worker runs: new settings are simply those of its next start.
        if (settings) this.adopt({ ...this.plugin.env, ...settings });
        return this.onCall.reloadIdle(build, options.force === true || settings !== undefined);
      }
      if (!options.force && !settings && this.state === 'ready' && build.hash === this.plugin.build?.hash) {
        return { name: this.name, changed: false };
      }
      const previous = this.plugin.env;
      if (settings) this.adopt({ ...this.plugin.env, ...settings });
      this.recovery.reset();
      try {
        await this.workers.replaceWorker(build);
      } catch (error) {
        if (settings) this.adopt(previous);
        throw error;
      }
      this.plugin.history.reloads++;
      const versions =
        before === undefined && this.plugin.source.version === undefined
          ? ''
          : ` ${before ?? '?'} → ${this.plugin.source.version ?? '?'}`;
      this.plugin.tell(`reloaded ${this.name}${versions} in ${elapsedMs(started)} ms`);
      return { name: this.name, changed: true };
    });
  }

  /**
   * Moves a serving plugin to a new worker, its build and state as they are,
   * if `needed()` still says so once its turn comes: the members of a shared
   * worker follow one that reloaded (shared-workers.ts). Blue/green as a reload.
   */
  follow(needed: () => boolean): Promise<void> {
    return this.exclusive(async () => {
      const { build } = this.plugin;
      if (this.state === 'ready' && build && needed()) await this.workers.replaceWorker(build);
    });
  }

  /** Whether `settings` are not those the plugin runs with (a reload with them would replace its worker). */
  settingsDiffer(settings: PluginSettings): boolean {
    return !sameSettings(settings, this.plugin.env);
  }

  /** The settings the plugin runs with now. */
  get settings(): PluginSettings {
    const { slot, supervision, maxInFlight, schemaCaps, config } = this.plugin.env;
    return { slot, supervision, maxInFlight, schemaCaps, config };
  }

  /** Its folder no longer reads as a plugin (a broken package.json): remembered and logged as a failed load; what serves, serves on. */
  sourceFailed(reason: string): RpcError {
    return this.plugin.failed('load', new Error(reason));
  }

  /** Stops serving: methods vanish, in-flight calls are drained, `onShutdown` runs. */
  unload(): Promise<void> {
    return this.exclusive(async () => {
      this.recovery.cancel();
      this.onCall.forget();
      this.plugin.env.registry.removeOwner(this.name);
      this.plugin.history.state = 'draining';
      this.swap.open();
      if (this.plugin.worker) this.swap.retire(this.plugin.worker);
      this.plugin.worker = undefined;
      await this.swap.retired();
      this.plugin.history.state = 'stopped';
      this.plugin.tell(`unloaded ${this.plugin.named()}`);
      this.plugin.env.hooks.pluginUnloaded.call(this.event());
    });
  }

  /** `plugins.pause`: calls answer -32001 at once (no queue) and loops stop, until `resume`. */
  setPaused(paused: boolean): Promise<void> {
    return this.workers.setPaused(paused);
  }

  /** A call to the plugin: while it is frozen, it waits at the gate (its deadline running), then goes to admission. */
  call(method: MethodSpec, params: unknown): Promise<unknown> {
    return this.admission.call(method, params);
  }

  /** What the plugin's stopping workers wait for (`plugd stop` shows it), if anything. */
  get waitingFor(): string | undefined {
    return this.swap.waitingFor;
  }

  /** Whether the serving version keeps state (has `snapshot`): an upgrade carries it to the successor. */
  get stateful(): boolean {
    const { worker } = this.plugin;
    return this.state === 'ready' && Boolean(worker?.alive && worker.manifest?.snapshot);
  }

  /** Gives the serving worker the state a predecessor daemon's worker had (an upgrade's successor, before it takes calls). */
  handoverRestore(state: unknown, timeoutMs: number): Promise<void> {
    return this.workers.handoverRestore(state, timeoutMs);
  }

  /** Sends a signal or hook event to the serving worker, if it asked for it. */
  forward(message: CoreToWorker & ({ t: 'signal' } | { t: 'hook' })): void {
    this.workers.forward(message);
  }

  status(): PluginStatus {
    const { source, history, worker, manifest, env } = this.plugin;
    const { slot } = env;
    const runsIn = { isolation: slot.isolation, channel: slot.channel, sharedWorker: slot.sharedWorker };
    return pluginStatus(source, history, worker, runsIn, this.activation, manifest);
  }

  event(): PluginEvent {
    return this.plugin.event();
  }

  /** Runs under `env` from now on: its workers boot with its slot, its deadlines and crash policy apply. */
  private adopt(env: SupervisorEnvironment): void {
    this.recovery.adopt(env.supervision.restart);
    this.plugin.env = env;
  }

  /** The steps its OnCallActivation takes on the plugin. */
  private lentToOnCall(): OnCallSupervisor {
    return {
      compile: () => this.workers.compile(),
      exclusive: (task) => this.exclusive(task),
      start: (build, state) => this.workers.replaceWorker(build, this.workers.spawn(), state),
      list: (build, manifest) => this.workers.list(build, manifest),
      report: (build) => this.workers.report(build),
      frozenSnapshot: (worker) => this.swap.frozenSnapshot(worker, () => undefined),
      openGate: () => this.swap.open(),
      putDown: (worker) => this.workers.putDown(worker),
      resetRestarts: () => this.recovery.reset(),
      reloaded: () => void this.plugin.history.reloads++,
    };
  }

  /** The steps its CrashRecovery takes on the plugin. */
  private lentToRecovery(): RestartedPlugin {
    return {
      exclusive: (task) => this.exclusive(task),
      spawn: () => this.workers.spawn(),
      launch: (worker, build) => this.workers.launch(worker, build),
      forgetWorker: () => (this.plugin.worker = undefined),
    };
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const elapsedMs = (since: number) => Math.round(performance.now() - since);
