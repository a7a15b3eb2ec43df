// The steps that touch one plugin's workers (supervisor.ts): compile its
// build, boot a worker watched for its death, load a build into it, make it
// the one serving (its methods replace the old ones in one step), replace it
// blue/green, list an idle plugin's methods with no worker, put a serving
// worker down; and pause, restore or signal the serving one. The supervisor
// decides which step runs when.

import type { CoreToWorker, MethodSpec, WorkerManifest } from '../channel/protocol.js';
import type { MethodEntry } from '../rpc/registry.js';
import { SchemaScope } from '../config/schema.js';
import type { CrashRecovery } from './crash-recovery.js';
import { compilePlugin, pruneBuilds, type CompiledPlugin } from './compile.js';
import { checkEngines } from './engines.js';
import { execBuild } from './exec-build.js';
import { pluginFolder } from './discovery.js';
import { HostErrors, messageOf, type Phase } from './errors.js';
import { pluginMethodEntries } from './plugin-methods.js';
import type { OnCallActivation } from './on-call.js';
import type { PluginWorker } from './plugin-worker.js';
import type { SupervisedPlugin } from './supervised-plugin.js';
import type { CarriedState } from './supervisor-types.js';
import type { WorkerSwap } from './worker-swap.js';

/** The parts of the supervisor its worker steps reach. */
export interface WorkerStepParts {
  swap: WorkerSwap;
  recovery: CrashRecovery;
  onCall: OnCallActivation;
  /** Where a call to a listed method goes (admission.ts). */
  call(method: MethodSpec, params: unknown): Promise<unknown>;
}

export class WorkerSteps {
  /** Deaths of workers not serving yet: one may die as its setup answers, before it takes over. */
  private readonly deaths = new WeakMap<PluginWorker, string>();

  constructor(
    private readonly plugin: SupervisedPlugin,
    private readonly parts: WorkerStepParts,
  ) {}

  async compile(): Promise<CompiledPlugin> {
    const { plugin } = this;
    try {
      checkEngines(plugin.source.engines);
      const { exec } = plugin.source;
      if (exec) return execBuild({ ...plugin.source, exec });
      return await compilePlugin(plugin.source.entry, plugin.env.buildCache);
    } catch (error) {
      throw plugin.failed('load', error);
    }
  }

  /**
   * Starts `build` in a new worker beside the current one, then switches to it.
   * A stateful old worker is frozen once the new one has loaded: the calls that
   * wait meanwhile go to the new one, or back to the old one if a step fails.
   * Where no stateful worker serves, the new one restores `state`, if given.
   */
  async replaceWorker(build: CompiledPlugin, next = this.spawn(), state?: CarriedState): Promise<void> {
    const { plugin } = this;
    const { swap } = this.parts;
    const old = plugin.worker;
    if (!old) plugin.history.state = 'loading';
    let phase: Phase = 'load';
    try {
      const manifest = await this.loadInto(next, build);
      const schemas = new SchemaScope(plugin.schemas);
      const entries = this.methodEntries(manifest.methods, schemas);
      if (old?.alive && old.manifest?.snapshot)
        state = { value: await swap.frozenSnapshot(old, (step) => (phase = step)) };
      if (state) {
        phase = 'restore';
        await next.restore(state.value, plugin.env.supervision.snapshotTimeoutMs);
      }
      // A load or reload that succeeds clears the error of the last one (a crash loop shows in the restart count);
      // cleared before attach, which may find the new worker dead already and record that.
      plugin.history.lastError = undefined;
      this.attach(next, build, entries);
      plugin.schemas = schemas;
    } catch (error) {
      // The old worker, if any, serves the calls that waited: it never stopped.
      swap.open();
      await next.terminate('load failed');
      throw plugin.failed(phase, error);
    }
    swap.open();
    if (old) swap.retire(old);
  }

  /** A booted worker, watched for its death. */
  spawn(): PluginWorker {
    const { plugin } = this;
    const worker = plugin.env.boot(plugin.env.slot);
    worker.once('exit', (reason: string, expected: boolean) => {
      plugin.history.servedBefore += worker.served;
      if (!expected && worker === plugin.worker) this.parts.recovery.crashed(reason);
      else if (!expected) this.deaths.set(worker, reason);
    });
    return worker;
  }

  /** Loads `build` into `worker` and makes it the one serving (a restart: no swap, the old worker is dead). */
  async launch(worker: PluginWorker, build: CompiledPlugin): Promise<void> {
    const manifest = await this.loadInto(worker, build);
    this.attach(worker, build, this.methodEntries(manifest.methods, this.plugin.schemas));
  }

  /** Lists `build`'s methods (from `manifest`) with no worker running: the plugin is idle. */
  list(build: CompiledPlugin, manifest: WorkerManifest): void {
    const { plugin } = this;
    const schemas = new SchemaScope(plugin.schemas);
    let entries: MethodEntry[];
    try {
      entries = this.methodEntries(manifest.methods, schemas);
    } catch (error) {
      throw plugin.failed('load', error);
    }
    plugin.env.registry.replaceOwner(plugin.name, entries);
    plugin.schemas = schemas;
    plugin.build = build;
    plugin.manifest = manifest;
    plugin.history.state = 'idle';
  }

  /** Loads `build` in a worker only to hear what it declares, then stops that worker. */
  async report(build: CompiledPlugin): Promise<WorkerManifest> {
    const worker = this.spawn();
    let manifest: WorkerManifest;
    try {
      manifest = await this.loadInto(worker, build);
    } catch (error) {
      await worker.terminate('load failed');
      throw this.plugin.failed('load', error);
    }
    this.parts.swap.retire(worker);
    this.plugin.manifest = manifest;
    return manifest;
  }

  /** The serving worker stops with the plugin going idle; the calls that waited at the gate start it again. */
  putDown(worker: PluginWorker): void {
    const { plugin } = this;
    plugin.worker = undefined;
    plugin.history.state = 'idle';
    plugin.history.readySince = undefined;
    this.parts.swap.open();
    this.parts.swap.retire(worker);
  }

  /** `plugins.pause`: calls answer -32001 at once (no queue) and loops stop, until `resume`. */
  async setPaused(paused: boolean): Promise<void> {
    const { plugin } = this;
    plugin.history.paused = paused;
    const worker = plugin.worker;
    if (!worker?.alive) return;
    const { pauseTimeoutMs } = plugin.env.supervision;
    const phase: Phase = paused ? 'pause' : 'resume';
    await (paused ? worker.pause(pauseTimeoutMs) : worker.resume(pauseTimeoutMs)).catch((error: unknown) => {
      throw HostErrors.phaseFailed(plugin.name, phase, messageOf(error));
    });
    plugin.tell(`${paused ? 'paused' : 'resumed'} ${plugin.name}`);
  }

  /** Gives the serving worker the state a predecessor daemon's worker had (an upgrade's successor, before it takes calls). */
  async handoverRestore(state: unknown, timeoutMs: number): Promise<void> {
    const { plugin } = this;
    const { worker, history } = plugin;
    if (!worker?.alive)
      throw HostErrors.unavailable(plugin.name, plugin.state, history.paused, history.lastError?.message);
    await worker.restore(state, timeoutMs).catch((error: unknown) => {
      throw HostErrors.phaseFailed(plugin.name, 'restore', messageOf(error));
    });
  }

  /** Sends a signal or hook event to the serving worker, if it asked for it. */
  forward(message: CoreToWorker & ({ t: 'signal' } | { t: 'hook' })): void {
    const { plugin } = this;
    const manifest = plugin.worker?.manifest;
    if (!manifest || plugin.state !== 'ready') return;
    const wanted =
      message.t === 'signal' ? manifest.signals.includes(message.signal) : manifest.hooks.includes(message.hook);
    if (wanted) plugin.worker!.send(message);
  }

  private loadInto(worker: PluginWorker, build: CompiledPlugin) {
    const { plugin } = this;
    const { config, supervision } = plugin.env;
    return worker.load({
      name: plugin.name,
      entryUrl: build.url,
      config,
      dir: pluginFolder(plugin.source),
      loadTimeoutMs: supervision.loadTimeoutMs,
    });
  }

  private methodEntries(methods: MethodSpec[], schemas = new SchemaScope()): MethodEntry[] {
    const { plugin, parts } = this;
    return pluginMethodEntries(
      plugin.name,
      methods,
      (method, params) => parts.call(method, params),
      schemas,
      plugin.env.schemaCaps,
    );
  }

  /** Makes `worker` the one serving: its methods replace the old ones in one step. */
  private attach(worker: PluginWorker, build: CompiledPlugin, entries: MethodEntry[]): void {
    const { plugin } = this;
    const { recovery, onCall } = this.parts;
    recovery.cancel();
    if (worker.manifest) {
      plugin.manifest = worker.manifest;
      onCall.learned(build, worker.manifest);
    }
    onCall.armIdleStop();
    plugin.env.registry.replaceOwner(plugin.name, entries);
    // Its loops start now (after any restore), or wait for a resume if the plugin is paused.
    if (!plugin.history.paused) worker.resume(plugin.env.supervision.pauseTimeoutMs).catch(() => undefined);
    plugin.worker = worker;
    plugin.build = build;
    plugin.history.state = 'ready';
    plugin.history.readySince = Date.now();
    // A stdio plugin's build is its own files: nothing of the cache to prune.
    if (!plugin.source.exec) pruneBuilds(build);
    plugin.env.hooks.pluginLoaded.call(plugin.event());
    // A thread's last message and its exit come in one task: it may be dead already.
    if (this.deaths.has(worker)) this.parts.recovery.crashed(this.deaths.get(worker)!);
  }
}
