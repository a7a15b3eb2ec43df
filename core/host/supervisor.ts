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

import type { CoreToWorker, MethodSpec, WorkerManifest } from '../channel/protocol.js';
import type { PluginStatus } from '../contract/plugin-status.js';
import type { Activation } from '../config/config.js';
import type { PluginEvent } from '../hooks.js';
import type { RpcError } from '../rpc/errors.js';
import type { MethodEntry } from '../rpc/registry.js';
import { SchemaScope } from '../config/schema.js';
import { CrashRecovery, type RestartedPlugin } from './crash-recovery.js';
import { compilePlugin, pruneBuilds, type CompiledPlugin } from './compile.js';
import { checkEngines } from './engines.js';
import { execBuild } from './exec-build.js';
import { pluginFolder, type PluginSource } from './discovery.js';
import { HostErrors, messageOf, type Phase } from './errors.js';
import { pluginMethodEntries } from './plugin-methods.js';
import { OnCallActivation, type OnCallSupervisor } from './on-call.js';
import { pluginStatus, type PluginHistory } from './plugin-status.js';
import type { PluginWorker } from './plugin-worker.js';
import { WorkerSwap, type SwappedPlugin } from './worker-swap.js';
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
  private readonly history: PluginHistory = {
    state: 'discovered',
    paused: false,
    restarts: 0,
    reloads: 0,
    servedBefore: 0,
  };
  private worker: PluginWorker | undefined;
  private build: CompiledPlugin | undefined;
  /** The serving version's params validators. */
  private schemas: SchemaScope | undefined;
  private readonly recovery: CrashRecovery;
  private queue: Promise<unknown> = Promise.resolve();
  /** The gate, the freeze and the retiring workers of its blue/green swaps. */
  private readonly swap: WorkerSwap;
  /** Deaths of workers not serving yet: one may die as its setup answers, before it takes over. */
  private readonly deaths = new WeakMap<PluginWorker, string>();
  /** What the serving (or, idle, the last) version declared. */
  private manifest: WorkerManifest | undefined;
  private readonly onCall: OnCallActivation;

  constructor(
    public source: PluginSource,
    private env: SupervisorEnvironment,
  ) {
    this.swap = new WorkerSwap(this.lentToSwap());
    this.recovery = new CrashRecovery(this.lentToRecovery(), env.supervision.restart);
    this.onCall = new OnCallActivation(this.lentToOnCall());
  }

  get name(): string {
    return this.source.name;
  }

  /** The files the serving build was made from (for the watcher). */
  get inputs(): string[] {
    return this.build?.inputs ?? [];
  }

  get state(): PluginStatus['state'] {
    return this.history.state;
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
      if (this.env.activation === 'onCall') return this.onCall.load(state);
      const started = performance.now();
      // The worker boots while esbuild compiles: at start, ten plugins boot and compile side by side.
      const worker = this.spawn();
      const build = await this.compile().catch(async (error: unknown) => {
        await worker.terminate('load failed');
        throw error;
      });
      await this.replaceWorker(build, worker, state);
      this.tell(`loaded ${this.named()} in ${elapsedMs(started)} ms`);
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
      const worker = this.worker;
      if (this.state !== 'ready' || !worker?.alive || !worker.manifest?.snapshot) return undefined;
      let phase: Phase = 'freeze';
      try {
        const value = await this.swap.frozenSnapshot(worker, (step) => (phase = step));
        return { value, release: () => this.swap.open() };
      } catch (error) {
        this.swap.open();
        throw this.failed(phase, error);
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
      const before = this.source.version;
      if (options.source) this.source = options.source;
      const build = await this.compile();
      const settings = options.settings && this.settingsDiffer(options.settings) ? options.settings : undefined;
      if (this.state === 'idle') {
        // No worker runs: new settings are simply those of its next start.
        if (settings) this.adopt({ ...this.env, ...settings });
        return this.onCall.reloadIdle(build, options.force === true || settings !== undefined);
      }
      if (!options.force && !settings && this.state === 'ready' && build.hash === this.build?.hash) {
        return { name: this.name, changed: false };
      }
      const previous = this.env;
      if (settings) this.adopt({ ...this.env, ...settings });
      this.recovery.reset();
      try {
        await this.replaceWorker(build);
      } catch (error) {
        if (settings) this.adopt(previous);
        throw error;
      }
      this.history.reloads++;
      const versions =
        before === undefined && this.source.version === undefined
          ? ''
          : ` ${before ?? '?'} → ${this.source.version ?? '?'}`;
      this.tell(`reloaded ${this.name}${versions} in ${elapsedMs(started)} ms`);
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
      if (this.state === 'ready' && this.build && needed()) await this.replaceWorker(this.build);
    });
  }

  /** Whether `settings` are not those the plugin runs with (a reload with them would replace its worker). */
  settingsDiffer(settings: PluginSettings): boolean {
    return !sameSettings(settings, this.env);
  }

  /** The settings the plugin runs with now. */
  get settings(): PluginSettings {
    const { slot, supervision, maxInFlight, schemaCaps, config } = this.env;
    return { slot, supervision, maxInFlight, schemaCaps, config };
  }

  /** Its folder no longer reads as a plugin (a broken package.json): remembered and logged as a failed load; what serves, serves on. */
  sourceFailed(reason: string): RpcError {
    return this.failed('load', new Error(reason));
  }

  /** Stops serving: methods vanish, in-flight calls are drained, `onShutdown` runs. */
  unload(): Promise<void> {
    return this.exclusive(async () => {
      this.recovery.cancel();
      this.onCall.forget();
      this.env.registry.removeOwner(this.name);
      this.history.state = 'draining';
      this.swap.open();
      if (this.worker) this.swap.retire(this.worker);
      this.worker = undefined;
      await this.swap.retired();
      this.history.state = 'stopped';
      this.tell(`unloaded ${this.named()}`);
      this.env.hooks.pluginUnloaded.call(this.event());
    });
  }

  /** `plugins.pause`: calls answer -32001 at once (no queue) and loops stop, until `resume`. */
  async setPaused(paused: boolean): Promise<void> {
    this.history.paused = paused;
    const worker = this.worker;
    if (!worker?.alive) return;
    const { pauseTimeoutMs } = this.env.supervision;
    const phase: Phase = paused ? 'pause' : 'resume';
    await (paused ? worker.pause(pauseTimeoutMs) : worker.resume(pauseTimeoutMs)).catch((error: unknown) => {
      throw HostErrors.phaseFailed(this.name, phase, messageOf(error));
    });
    this.tell(`${paused ? 'paused' : 'resumed'} ${this.name}`);
  }

  /** A call to the plugin: while it is frozen, it waits at the gate (its deadline running), then goes to admission. */
  call(method: MethodSpec, params: unknown): Promise<unknown> {
    return this.enter(method, params, method.timeoutMs ?? this.env.supervision.callTimeoutMs);
  }

  /** The gate, then admission, within `timeoutMs`. */
  private enter(method: MethodSpec, params: unknown, timeoutMs: number): Promise<unknown> {
    return this.swap.enter(method.name, timeoutMs, (remainingMs) => this.admit(method, params, remainingMs));
  }

  /** Admission: only a ready, unpaused plugin under its in-flight cap takes the call. */
  private admit(method: MethodSpec, params: unknown, timeoutMs: number): Promise<unknown> {
    const worker = this.worker;
    const { history } = this;
    this.onCall.called();
    if ((this.state === 'idle' || this.onCall.waking) && !history.paused) {
      // Through the gate again once started: a reload may have frozen it since.
      return this.onCall
        .wakeWithin(method.name, timeoutMs)
        .then((remainingMs) => this.enter(method, params, remainingMs));
    }
    if (this.state !== 'ready' || !worker?.alive || history.paused) {
      return Promise.reject(HostErrors.unavailable(this.name, this.state, history.paused, history.lastError?.message));
    }
    if (worker.inFlight >= this.env.maxInFlight)
      return Promise.reject(HostErrors.overloaded(this.name, worker.inFlight));
    return worker.call(method.name, params, timeoutMs);
  }

  /** What the plugin's stopping workers wait for (`plugd stop` shows it), if anything. */
  get waitingFor(): string | undefined {
    return this.swap.waitingFor;
  }

  /** Whether the serving version keeps state (has `snapshot`): an upgrade carries it to the successor. */
  get stateful(): boolean {
    return this.state === 'ready' && Boolean(this.worker?.alive && this.worker.manifest?.snapshot);
  }

  /** Gives the serving worker the state a predecessor daemon's worker had (an upgrade's successor, before it takes calls). */
  async handoverRestore(state: unknown, timeoutMs: number): Promise<void> {
    const worker = this.worker;
    if (!worker?.alive)
      throw HostErrors.unavailable(this.name, this.state, this.history.paused, this.history.lastError?.message);
    await worker.restore(state, timeoutMs).catch((error: unknown) => {
      throw HostErrors.phaseFailed(this.name, 'restore', messageOf(error));
    });
  }

  /** Sends a signal or hook event to the serving worker, if it asked for it. */
  forward(message: CoreToWorker & ({ t: 'signal' } | { t: 'hook' })): void {
    const manifest = this.worker?.manifest;
    if (!manifest || this.state !== 'ready') return;
    const wanted =
      message.t === 'signal' ? manifest.signals.includes(message.signal) : manifest.hooks.includes(message.hook);
    if (wanted) this.worker!.send(message);
  }

  status(): PluginStatus {
    const { slot } = this.env;
    const runsIn = { isolation: slot.isolation, channel: slot.channel, sharedWorker: slot.sharedWorker };
    return pluginStatus(this.source, this.history, this.worker, runsIn, this.activation, this.manifest);
  }

  event(): PluginEvent {
    return { name: this.name, version: this.source.version, path: this.source.path };
  }

  private async compile(): Promise<CompiledPlugin> {
    try {
      checkEngines(this.source.engines);
      const { exec } = this.source;
      if (exec) return execBuild({ ...this.source, exec });
      return await compilePlugin(this.source.entry, this.env.buildCache);
    } catch (error) {
      throw this.failed('load', error);
    }
  }

  /**
   * Starts `build` in a new worker beside the current one, then switches to it.
   * A stateful old worker is frozen once the new one has loaded: the calls that
   * wait meanwhile go to the new one, or back to the old one if a step fails.
   * Where no stateful worker serves, the new one restores `state`, if given.
   */
  private async replaceWorker(build: CompiledPlugin, next = this.spawn(), state?: CarriedState): Promise<void> {
    const old = this.worker;
    if (!old) this.history.state = 'loading';
    let phase: Phase = 'load';
    try {
      const manifest = await this.loadInto(next, build);
      const schemas = new SchemaScope(this.schemas);
      const entries = this.methodEntries(manifest.methods, schemas);
      if (old?.alive && old.manifest?.snapshot)
        state = { value: await this.swap.frozenSnapshot(old, (step) => (phase = step)) };
      if (state) {
        phase = 'restore';
        await next.restore(state.value, this.env.supervision.snapshotTimeoutMs);
      }
      // A load or reload that succeeds clears the error of the last one (a crash loop shows in the restart count);
      // cleared before attach, which may find the new worker dead already and record that.
      this.history.lastError = undefined;
      this.attach(next, build, entries);
      this.schemas = schemas;
    } catch (error) {
      // The old worker, if any, serves the calls that waited: it never stopped.
      this.swap.open();
      await next.terminate('load failed');
      throw this.failed(phase, error);
    }
    this.swap.open();
    if (old) this.swap.retire(old);
  }

  /** A booted worker, watched for its death. */
  private spawn(): PluginWorker {
    const worker = this.env.boot(this.env.slot);
    worker.once('exit', (reason: string, expected: boolean) => {
      this.history.servedBefore += worker.served;
      if (!expected && worker === this.worker) this.recovery.crashed(reason);
      else if (!expected) this.deaths.set(worker, reason);
    });
    return worker;
  }

  private loadInto(worker: PluginWorker, build: CompiledPlugin) {
    const { config, supervision } = this.env;
    return worker.load({
      name: this.name,
      entryUrl: build.url,
      config,
      dir: pluginFolder(this.source),
      loadTimeoutMs: supervision.loadTimeoutMs,
    });
  }

  private methodEntries(methods: MethodSpec[], schemas = new SchemaScope()): MethodEntry[] {
    return pluginMethodEntries(
      this.name,
      methods,
      (method, params) => this.call(method, params),
      schemas,
      this.env.schemaCaps,
    );
  }

  /** Makes `worker` the one serving: its methods replace the old ones in one step. */
  private attach(worker: PluginWorker, build: CompiledPlugin, entries: MethodEntry[]): void {
    this.recovery.cancel();
    if (worker.manifest) {
      this.manifest = worker.manifest;
      this.onCall.learned(build, worker.manifest);
    }
    this.onCall.armIdleStop();
    this.env.registry.replaceOwner(this.name, entries);
    // Its loops start now (after any restore), or wait for a resume if the plugin is paused.
    if (!this.history.paused) worker.resume(this.env.supervision.pauseTimeoutMs).catch(() => undefined);
    this.worker = worker;
    this.build = build;
    this.history.state = 'ready';
    this.history.readySince = Date.now();
    // A stdio plugin's build is its own files: nothing of the cache to prune.
    if (!this.source.exec) pruneBuilds(build);
    this.env.hooks.pluginLoaded.call(this.event());
    // A thread's last message and its exit come in one task: it may be dead already.
    if (this.deaths.has(worker)) this.recovery.crashed(this.deaths.get(worker)!);
  }

  /** Runs under `env` from now on: its workers boot with its slot, its deadlines and crash policy apply. */
  private adopt(env: SupervisorEnvironment): void {
    this.recovery.adopt(env.supervision.restart);
    this.env = env;
  }

  /** A phase failed: remembered, logged with plugin and phase, and made the error to throw. */
  private failed(phase: Phase, error: unknown): RpcError {
    const failure = HostErrors.phaseFailed(this.name, phase, messageOf(error));
    this.history.lastError = { message: messageOf(error), at: Date.now() };
    // A serving worker that crashed during the step (a freeze waits on its calls) has its restart scheduled already;
    // an idle plugin keeps the version it has (its next call starts that one).
    if (!this.worker && this.history.state !== 'backoff' && this.history.state !== 'idle')
      this.history.state = 'failed';
    this.env.logger.error({ plugin: this.name, phase, reason: messageOf(error) }, failure.message);
    return failure;
  }

  /** A step of the plugin's life, at info with its name: `plugd logs NAME` tells its story. */
  private tell(message: string): void {
    this.env.logger.info({ plugin: this.name }, message);
  }

  /** `echo 1.2.0`, or the name alone for a plugin without a version. */
  private named(): string {
    return this.source.version === undefined ? this.name : `${this.name} ${this.source.version}`;
  }

  /** The steps its OnCallActivation takes on the plugin. */
  private lentToOnCall(): OnCallSupervisor {
    // The getters below read the supervisor, not the object they sit on.
    const supervisor = this;
    return {
      get name() {
        return supervisor.name;
      },
      get env() {
        return supervisor.env;
      },
      get entry() {
        return supervisor.source.entry;
      },
      get state() {
        return supervisor.history.state;
      },
      set state(state) {
        supervisor.history.state = state;
      },
      get worker() {
        return supervisor.worker;
      },
      get build() {
        return supervisor.build;
      },
      compile: () => this.compile(),
      exclusive: (task) => this.exclusive(task),
      start: (build, state) => this.replaceWorker(build, this.spawn(), state),
      list: (build, manifest) => this.list(build, manifest),
      report: (build) => this.report(build),
      frozenSnapshot: (worker) => this.swap.frozenSnapshot(worker, () => undefined),
      openGate: () => this.swap.open(),
      putDown: (worker) => this.putDown(worker),
      resetRestarts: () => this.recovery.reset(),
      reloaded: () => void this.history.reloads++,
    };
  }

  /** What its WorkerSwap reads of the plugin. */
  private lentToSwap(): SwappedPlugin {
    // The getters below read the supervisor, not the object they sit on.
    const supervisor = this;
    return {
      get name() {
        return supervisor.name;
      },
      get env() {
        return supervisor.env;
      },
    };
  }

  /** The steps its CrashRecovery takes on the plugin. */
  private lentToRecovery(): RestartedPlugin {
    // The getters below read the supervisor, not the object they sit on.
    const supervisor = this;
    return {
      get name() {
        return supervisor.name;
      },
      get env() {
        return supervisor.env;
      },
      history: this.history,
      get build() {
        return supervisor.build;
      },
      event: () => this.event(),
      exclusive: (task) => this.exclusive(task),
      spawn: () => this.spawn(),
      launch: async (worker, build) => {
        const manifest = await this.loadInto(worker, build);
        this.attach(worker, build, this.methodEntries(manifest.methods, this.schemas));
      },
      forgetWorker: () => (this.worker = undefined),
    };
  }

  /** Lists `build`'s methods (from `manifest`) with no worker running: the plugin is idle. */
  private list(build: CompiledPlugin, manifest: WorkerManifest): void {
    const schemas = new SchemaScope(this.schemas);
    let entries: MethodEntry[];
    try {
      entries = this.methodEntries(manifest.methods, schemas);
    } catch (error) {
      throw this.failed('load', error);
    }
    this.env.registry.replaceOwner(this.name, entries);
    this.schemas = schemas;
    this.build = build;
    this.manifest = manifest;
    this.history.state = 'idle';
  }

  /** Loads `build` in a worker only to hear what it declares, then stops that worker. */
  private async report(build: CompiledPlugin): Promise<WorkerManifest> {
    const worker = this.spawn();
    let manifest: WorkerManifest;
    try {
      manifest = await this.loadInto(worker, build);
    } catch (error) {
      await worker.terminate('load failed');
      throw this.failed('load', error);
    }
    this.swap.retire(worker);
    this.manifest = manifest;
    return manifest;
  }

  /** The serving worker stops with the plugin going idle; the calls that waited at the gate start it again. */
  private putDown(worker: PluginWorker): void {
    this.worker = undefined;
    this.history.state = 'idle';
    this.history.readySince = undefined;
    this.swap.open();
    this.swap.retire(worker);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const elapsedMs = (since: number) => Math.round(performance.now() - since);
