// Activation on first call (ARCHITECTURE.md, the section of that name): an
// onCall plugin is `idle` between its calls, with no worker, its methods from
// the manifest cache and its snapshot held here. OnCallActivation decides when
// it parks, wakes, learns and sleeps; the supervisor lends it the plugin's record
// and the steps that touch workers and the registry (OnCallSupervisor).

import type { WorkerManifest } from '../channel/protocol.js';
import type { PluginStatus } from '../contract/plugin-status.js';
import type { Activation } from '../config/config.js';
import { eagerReason } from './activation.js';
import type { CompiledPlugin } from './compile.js';
import { HostErrors, messageOf } from './errors.js';
import { cachedManifest, rememberManifest } from './manifest-cache.js';
import type { PluginWorker } from './plugin-worker.js';
import type { CarriedState, ReloadOutcome, SupervisorEnvironment } from './supervisor-types.js';

/** The plugin's record, as its onCall part reads it (supervised-plugin.ts). */
export interface OnCallPlugin {
  readonly name: string;
  /** The environment it runs under now (a reload may change it). */
  readonly env: SupervisorEnvironment;
  /** The plugin's entry file: the manifest cache's key with the build's hash. */
  readonly entry: string;
  state: PluginStatus['state'];
  readonly worker: PluginWorker | undefined;
  readonly build: CompiledPlugin | undefined;
}

/** The steps the supervisor lends its onCall part. */
export interface OnCallSupervisor {
  compile(): Promise<CompiledPlugin>;
  /** Runs `task` as one of the plugin's steps, one at a time. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** Starts `build` in a new worker (restoring `state`, if given) and makes it the one serving. */
  start(build: CompiledPlugin, state?: CarriedState): Promise<void>;
  /** Registers `build`'s methods (from `manifest`) with no worker running, and marks the plugin idle. */
  list(build: CompiledPlugin, manifest: WorkerManifest): void;
  /** Loads `build` in a worker only to hear what it declares, then stops that worker. */
  report(build: CompiledPlugin): Promise<WorkerManifest>;
  /** Freezes `worker` and takes its snapshot; the gate is left closed. */
  frozenSnapshot(worker: PluginWorker): Promise<unknown>;
  openGate(): void;
  /** The serving worker stops: the plugin is idle, the calls that waited at the gate go on. */
  putDown(worker: PluginWorker): void;
  /** A reload starts a fresh crash history. */
  resetRestarts(): void;
  /** A reload changed the plugin: one more counted. */
  reloaded(): void;
}

export class OnCallActivation {
  /** Why an onCall plugin runs eagerly all the same (its manifest needs a running worker). */
  private eagerBecause: string | undefined;
  /** An idle plugin's snapshot, restored at its next start. */
  private parked: CarriedState | undefined;
  /** The start an idle plugin's first call set off: later calls wait for the same one. */
  private starting: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastCallAt = 0;

  constructor(
    private readonly plugin: OnCallPlugin,
    private readonly steps: OnCallSupervisor,
  ) {}

  /** The activation it runs under: onCall only if asked and its manifest allows it. */
  get activation(): Activation {
    return this.plugin.env.activation === 'onCall' && !this.eagerBecause ? 'onCall' : 'eager';
  }

  /** Whether a start set off by a call is under way. */
  get waking(): boolean {
    return this.starting !== undefined;
  }

  /** The snapshot an idle plugin holds, if any. */
  get held(): CarriedState | undefined {
    return this.parked;
  }

  /** A call came: the idle stop counts from now. */
  called(): void {
    this.lastCallAt = Date.now();
  }

  /** The plugin unloads: no idle stop, no held snapshot. */
  forget(): void {
    clearTimeout(this.idleTimer);
    this.parked = undefined;
  }

  /** An onCall plugin's load: idle at once if the cache knows its build's methods; otherwise loaded once to learn them, then stopped. */
  async load(state?: CarriedState): Promise<void> {
    const { plugin } = this;
    const build = await this.steps.compile();
    const known = cachedManifest(plugin.env.buildCache, plugin.entry, build.hash);
    if (known && !eagerReason(known)) return this.park(build, known, state);
    await plugin.env.learning.run(async () => {
      await this.steps.start(build, state);
      if (this.activation === 'onCall') await this.sleep();
    });
  }

  /** Lists `build`'s methods (from `manifest`) with no worker running: the plugin is idle, `state` restored at its first call. */
  private park(build: CompiledPlugin, manifest: WorkerManifest, state: CarriedState | undefined): void {
    this.steps.list(build, manifest);
    this.parked = state;
  }

  /** What a loaded version declared, kept in the cache for an onCall plugin's next start. */
  learned(build: CompiledPlugin, manifest: WorkerManifest): void {
    const { name, env, entry } = this.plugin;
    if (env.activation !== 'onCall') return;
    const reason = eagerReason(manifest);
    if (reason && reason !== this.eagerBecause) {
      env.logger.info({ plugin: name, reason }, `plugin ${name} runs eagerly though it asks for onCall: ${reason}`);
    }
    this.eagerBecause = reason;
    try {
      rememberManifest(env.buildCache, entry, build.hash, manifest);
    } catch (error) {
      env.logger.warn(
        { plugin: name, reason: messageOf(error) },
        `plugin ${name}: its methods are not cached, its next start loads it: ${messageOf(error)}`,
      );
    }
  }

  /** Starts an idle plugin (its snapshot restored); calls that come meanwhile wait for the same start. A failure leaves it idle. */
  private wake(): Promise<void> {
    const { plugin } = this;
    this.starting ??= this.steps
      .exclusive(async () => {
        if (plugin.state !== 'idle' || !plugin.build) return;
        try {
          await this.steps.start(plugin.build, this.parked);
        } catch (error) {
          plugin.state = 'idle'; // The next call tries again; this one hears why.
          throw error;
        }
        this.parked = undefined;
      })
      .finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** A call to an idle plugin starts it, within the call's own deadline; answers what is left of that deadline. */
  async wakeWithin(method: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    const expired = () => HostErrors.callDeadline(this.plugin.name, method, timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(expired()), timeoutMs)));
    try {
      await Promise.race([this.wake(), deadline]);
    } finally {
      clearTimeout(timer);
    }
    const remainingMs = timeoutMs - (Date.now() - started);
    if (remainingMs <= 0) throw expired();
    return remainingMs;
  }

  /** An onCall plugin's worker stops after `idleStopMs` with no call (checked when the timer fires, so calls do not re-arm it). */
  armIdleStop(delayMs = this.plugin.env.idleStopMs): void {
    const { plugin } = this;
    clearTimeout(this.idleTimer);
    if (this.activation !== 'onCall') return;
    this.idleTimer = setTimeout(() => {
      if (plugin.state !== 'ready' || !plugin.worker) return;
      const quietMs = Date.now() - this.lastCallAt;
      if (quietMs < plugin.env.idleStopMs) return this.armIdleStop(plugin.env.idleStopMs - quietMs);
      if (plugin.worker.inFlight > 0) return this.armIdleStop();
      this.steps
        .exclusive(() => this.sleep())
        .catch((error) => plugin.env.logger.error({ plugin: plugin.name, err: error }, 'idle stop failed'));
    }, delayMs).unref();
  }

  /** Stops the serving worker of an onCall plugin: a stateful one is frozen and its snapshot held for its next start. */
  private async sleep(): Promise<void> {
    const { plugin } = this;
    const worker = plugin.worker;
    if (plugin.state !== 'ready' || !worker?.alive) return;
    if (!worker.manifest?.snapshot && worker.inFlight > 0) return this.armIdleStop();
    let parked: CarriedState | undefined;
    if (worker.manifest?.snapshot) {
      try {
        parked = { value: await this.steps.frozenSnapshot(worker) };
      } catch (error) {
        this.steps.openGate();
        plugin.env.logger.warn(
          { plugin: plugin.name, reason: messageOf(error) },
          `plugin ${plugin.name} stays up: its snapshot for an idle stop failed: ${messageOf(error)}`,
        );
        return this.armIdleStop();
      }
    }
    clearTimeout(this.idleTimer);
    this.parked = parked;
    this.steps.putDown(worker);
  }

  /** A reload of an idle plugin: the new build's methods replace the old ones without starting it (a build the cache does not know loads once to tell them). */
  async reloadIdle(build: CompiledPlugin, force: boolean): Promise<ReloadOutcome> {
    const { plugin } = this;
    if (!force && build.hash === plugin.build?.hash) return { name: plugin.name, changed: false };
    const manifest =
      cachedManifest(plugin.env.buildCache, plugin.entry, build.hash) ??
      (await plugin.env.learning.run(() => this.learn(build)));
    this.steps.resetRestarts();
    if (eagerReason(manifest)) {
      await this.wakeWith(build);
    } else {
      this.park(build, manifest, this.parked);
    }
    this.steps.reloaded();
    return { name: plugin.name, changed: true };
  }

  /** Starts `build` for an idle plugin now (its manifest needs a running worker); a failure leaves it idle on its old version. */
  private async wakeWith(build: CompiledPlugin): Promise<void> {
    try {
      await this.steps.start(build, this.parked);
    } catch (error) {
      this.plugin.state = 'idle';
      throw error;
    }
    this.parked = undefined;
  }

  /** Loads `build` in a worker only to hear what it declares (cached for its next start), then stops that worker. */
  private async learn(build: CompiledPlugin): Promise<WorkerManifest> {
    const manifest = await this.steps.report(build);
    this.learned(build, manifest);
    return manifest;
  }
}
