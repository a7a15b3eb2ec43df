// The plugin host: the set of loaded plugins, kept in step with the plugin
// folder (at start, on reload, and under the watcher), and the bridge that
// forwards signals and hook events into the workers that asked for them.
// Plugin taps live here, behind one core tap per hook, so they vanish with
// the plugin (tapable has no untap).

import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { DEFAULT_IDLE_STOP_MS, supervisionFor } from '../config.js';
import type { CoreHooks } from '../hooks.js';
import type { DaemonLog } from '../log.js';
import type { RpcError } from '../rpc/errors.js';
import type { MethodRegistry } from '../rpc/registry.js';
import { BRIDGED_SIGNALS } from '../signals.js';
import { FORWARDED_HOOKS, type ForwardedHook } from '../channel/protocol.js';
import { type PluginStatus, type ReloadOne, type RescanSummary, type SkippedEntry } from '../contract/plugin-status.js';
import { discoverPlugins, inspectCandidate, isSkipped, withoutHelperFolders, type PluginSource } from './discovery.js';
import { HostErrors } from './errors.js';
import { PluginSupervisor, type CarriedState, type FrozenPlugin, type PluginSettings } from './supervisor.js';
import { PluginWorker, type WorkerLogSink } from './plugin-worker.js';
import { SpareWorkers } from './spare-workers.js';
import { LearningSlots } from './learning-slots.js';
import { StateKeeper } from './state-keeper.js';
import { StateStore } from './state-store.js';
import { reportStopProgress } from './stop-progress.js';
import { ThreadBackend } from './thread-backend.js';
import { ProcessBackend } from './process-backend.js';
import { ExecBackend } from './exec-backend.js';
import { chooseIsolation, execSettings, processChannel, processSettings, type IsolationChoice } from './isolation.js';
import { sameUser } from './process-user.js';
import type { WorkerSlot } from './worker-backend.js';
import type { PluginWatcher } from './watcher.js';

export type { RescanSummary } from '../contract/plugin-status.js';

export interface HostDependencies {
  config: Config;
  registry: MethodRegistry;
  hooks: CoreHooks;
  log: DaemonLog;
}

function emptySummary(skipped: SkippedEntry[] = []): RescanSummary {
  return { loaded: [], reloaded: [], unchanged: [], unloaded: [], failed: [], skipped };
}

export class PluginHost {
  private readonly plugins = new Map<string, PluginSupervisor>();
  /** How each plugin's workers are booted. */
  private readonly slots = new Map<string, WorkerSlot>();
  private readonly watchers: PluginWatcher[] = [];
  private readonly workers: SpareWorkers;
  /** The entries of the plugin folder left out by the latest rescan. */
  private skippedEntries: SkippedEntry[] = [];
  /** The plugins' state kept in the home across a stop. */
  private readonly states: StateKeeper;
  /** Plugins loaded in this daemon's life: only a first load starts with the state kept at the last stop. */
  private readonly loadedOnce = new Set<string>();
  /** onCall plugins loading only to learn their methods, a few at a time. */
  private readonly learning = new LearningSlots(Math.max(2, availableParallelism()));

  /** The watcher of the plugin folder (`watch`), apart from `plugd dev`'s. */
  private folderWatcher: PluginWatcher | undefined;
  /** The plugin folder before a re-read config moved it: its plugins leave, or move, at the next rescan. */
  private formerPluginDir: string | undefined;

  constructor(private deps: HostDependencies) {
    const log = workerLogSink(deps.log);
    const backend = (slot: WorkerSlot, spare: boolean) =>
      slot.exec
        ? new ExecBackend(slot, spare)
        : slot.isolation === 'process'
          ? new ProcessBackend(slot, spare, (message) =>
              deps.log.logger.warn({ plugin: slot.process?.plugin }, message),
            )
          : new ThreadBackend(slot, spare);
    this.workers = new SpareWorkers(
      deps.config.spareWorker,
      (slot, spare) => new PluginWorker(slot, backend(slot, spare), log),
    );
    const persists = (plugin: string) => deps.config.plugins[plugin]?.persist !== false;
    this.states = new StateKeeper(StateStore.ofHome(deps.config.home), persists, deps.log.logger);
    this.bridgeHooks();
  }

  get pluginDir(): string {
    return this.deps.config.pluginDir;
  }

  /** Loads every plugin in the folder (failures are reported, not thrown), then arms the watcher. */
  async start(): Promise<RescanSummary> {
    const summary = await this.rescan(false);
    this.workers.arm();
    if (this.deps.config.watch) await this.watchFolder();
    return summary;
  }

  private async watchFolder(): Promise<void> {
    this.folderWatcher = await this.watch(this.pluginDir, (candidate) => this.resync(candidate));
  }

  /**
   * `plugd dev`: loads one plugin from anywhere and reloads it whenever a file
   * of it changes; a version that fails to compile or load leaves the last
   * good one serving.
   */
  async develop(path: string): Promise<void> {
    // The first version may be broken too (it is logged): watch for a good one all the same.
    await this.loadPath(path).catch((error: RpcError) => this.deps.log.logger.error(error.message));
    const target = resolve(path);
    const folderPlugin = statSync(target).isDirectory();
    const watched = folderPlugin ? target : dirname(target);
    await this.watch(watched, (candidate) => {
      if (folderPlugin || candidate === target) this.resync(target);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.watchers.map((watcher) => watcher.close()));
    const plugins = [...this.plugins.values()];
    const stopReporting = reportStopProgress(plugins, this.deps.log.logger);
    await Promise.all(
      plugins.map(async (plugin) => {
        await this.states.atStop(plugin);
        await plugin.unload();
      }),
    );
    stopReporting();
    this.plugins.clear();
    await this.workers.close();
  }

  /** Entries of the plugin folder that were not loaded at the latest rescan, and why. */
  skipped(): SkippedEntry[] {
    return [...this.skippedEntries];
  }

  list(): PluginStatus[] {
    return [...this.plugins.values()].map((plugin) => plugin.status()).sort((a, b) => a.name.localeCompare(b.name));
  }

  status(name: string): PluginStatus {
    return this.require(name).status();
  }

  /** The plugins whose serving version keeps state (an upgrade carries their snapshots). */
  statefulPlugins(): string[] {
    return [...this.plugins.values()].filter((plugin) => plugin.stateful).map((plugin) => plugin.name);
  }

  /** See PluginSupervisor.freeze. */
  freeze(name: string): Promise<FrozenPlugin | undefined> {
    return this.require(name).freeze();
  }

  /** See PluginSupervisor.handoverRestore. */
  handoverRestore(name: string, state: unknown, timeoutMs: number): Promise<void> {
    return this.require(name).handoverRestore(state, timeoutMs);
  }

  async setPaused(name: string, paused: boolean): Promise<PluginStatus> {
    const plugin = this.require(name);
    await plugin.setPaused(paused);
    return plugin.status();
  }

  /** `plugins.load {path}`: a plugin from anywhere on disk. */
  async loadPath(path: string): Promise<PluginStatus> {
    const candidate = inspectCandidate(path);
    if (isSkipped(candidate)) throw HostErrors.notLoadable(candidate.path, candidate.reason);
    if (this.plugins.has(candidate.name)) throw HostErrors.nameTaken(candidate.name);
    const plugin = this.add(candidate);
    await plugin.load(this.keptState(candidate.name));
    return plugin.status();
  }

  async unload(name: string): Promise<void> {
    const plugin = this.require(name);
    this.plugins.delete(name);
    await plugin.unload();
    // A plugin process's spare is that plugin's alone.
    const slot = this.slots.get(name);
    this.slots.delete(name);
    if (slot?.isolation === 'process') this.workers.forget(slot);
  }

  /** Reloads one plugin (blue/green). Throws, with the reason, if the new version fails. */
  async reloadOne(name: string, force: boolean): Promise<ReloadOne> {
    const plugin = this.require(name);
    const candidate = inspectCandidate(plugin.source.path);
    if (isSkipped(candidate)) throw HostErrors.notReloadable(name, candidate.reason);
    return this.reloadUnderConfig(plugin, { ...candidate, name }, force);
  }

  /**
   * A re-read `plugd.json` (daemon.reload): the plugin folder and the watcher
   * follow it now; each plugin takes its new settings at the rescan that follows.
   */
  async reconfigure(config: Config): Promise<void> {
    const before = this.deps.config;
    this.deps = { ...this.deps, config };
    if (before.pluginDir !== config.pluginDir) this.formerPluginDir = before.pluginDir;
    if (before.pluginDir === config.pluginDir && before.watch === config.watch) return;
    const folderWatcher = this.folderWatcher;
    this.folderWatcher = undefined;
    if (folderWatcher) {
      this.watchers.splice(this.watchers.indexOf(folderWatcher), 1);
      await folderWatcher.close();
    }
    if (config.watch) await this.watchFolder();
  }

  /** Brings the loaded set in line with the folder: new plugins load, removed ones unload, changed ones reload. */
  async rescan(force: boolean): Promise<RescanSummary> {
    const { plugins: found, skipped } = discoverPlugins(this.pluginDir);
    const summary = emptySummary(skipped);
    const foundNames = new Set(found.map((source) => source.name));
    const former = this.formerPluginDir;
    this.formerPluginDir = undefined;
    const inScope = (plugin: PluginSupervisor) =>
      isIn(plugin, this.pluginDir) || (former !== undefined && isIn(plugin, former));
    const missing = [...this.plugins.values()].filter((plugin) => inScope(plugin) && !foundNames.has(plugin.name));
    // A folder still there that is no plugin now (a typo in its package.json) is a failed new version: the old one serves on.
    const broken = missing.flatMap((plugin) => {
      const skip = skipped.find((entry) => entry.path === plugin.source.path);
      return skip ? [{ plugin, skip }] : [];
    });
    for (const { plugin, skip } of broken) {
      summary.failed.push({ name: plugin.name, error: plugin.sourceFailed(skip.reason).message });
      summary.skipped = summary.skipped.filter((entry) => entry !== skip);
    }
    const removed = missing.filter((plugin) => !broken.some((entry) => entry.plugin === plugin));
    // Plugins loaded from elsewhere (plugins.load) are not the folder's, but a change of their settings applies to them too.
    const reconfigured = [...this.plugins.values()].filter(
      (plugin) =>
        !inScope(plugin) && !foundNames.has(plugin.name) && plugin.settingsDiffer(this.settingsFor(plugin.source)),
    );
    await Promise.all([
      ...removed.map(async (plugin) => {
        await this.unload(plugin.name);
        summary.unloaded.push(plugin.name);
      }),
      ...found.map((source) => this.syncSource(source, force, summary, former)),
      ...reconfigured.map((plugin) => this.syncSource(plugin.source, false, summary)),
    ]);
    summary.skipped = withoutHelperFolders(
      summary.skipped,
      [...this.plugins.values()].flatMap((plugin) => plugin.inputs),
    );
    this.warnSkipped(summary);
    this.skippedEntries = summary.skipped;
    for (const list of [summary.loaded, summary.reloaded, summary.unchanged, summary.unloaded]) list.sort();
    return summary;
  }

  /** One line for each entry left out: junk in the folder, or a name another plugin has. */
  private warnSkipped(summary: RescanSummary): void {
    for (const skip of summary.skipped)
      this.deps.log.logger.warn({ path: skip.path }, `skipped ${skip.path}: ${skip.reason}`);
  }

  /** `former`: the folder the plugin folder was before a re-read config moved it; a plugin of the same name there moves. */
  private async syncSource(
    source: PluginSource,
    force: boolean,
    summary: RescanSummary,
    former?: string,
  ): Promise<void> {
    const existing = this.plugins.get(source.name);
    const elsewhere = existing !== undefined && existing.source.path !== source.path;
    // Moved: its old path holds it no more (a renamed folder), or the plugin folder itself moved (a re-read plugd.json).
    const moved = elsewhere && (!this.stillThere(existing) || (former !== undefined && isIn(existing, former)));
    if (existing && elsewhere && !moved) {
      summary.skipped.push({
        path: source.path,
        reason: `plugin name "${source.name}" is already taken by ${existing.source.path}`,
      });
      return;
    }
    try {
      if (existing && moved) {
        await this.move(existing, source);
        summary.reloaded.push(source.name);
      } else if (!existing) {
        await this.add(source).load(this.keptState(source.name));
        summary.loaded.push(source.name);
      } else {
        const outcome = await this.reloadUnderConfig(existing, source, force);
        (outcome.changed ? summary.reloaded : summary.unchanged).push(source.name);
      }
      this.followBuild(this.plugins.get(source.name)!);
    } catch (error) {
      summary.failed.push({ name: source.name, error: (error as Error).message });
    }
  }

  /** syncCandidate for a watcher's callback: what it throws is logged, not left unhandled. */
  private resync(path: string): void {
    this.syncCandidate(path).catch((error: unknown) =>
      this.deps.log.logger.error({ err: error, path }, `syncing ${path} failed`),
    );
  }

  /** The watcher's report: one entry of the folder changed (added, edited, renamed or removed). */
  private async syncCandidate(path: string): Promise<void> {
    const candidate = inspectCandidate(path);
    const current = [...this.plugins.values()].find((plugin) => plugin.source.path === path);
    if (current && isSkipped(candidate) && existsSync(path)) {
      // Still there, but no plugin now (a broken package.json): a failed new version, the old one serves on.
      current.sourceFailed(candidate.reason);
      return;
    }
    if (current && (isSkipped(candidate) || candidate.name !== current.name)) {
      await this.unload(current.name);
      const why = isSkipped(candidate) ? candidate.reason : `now named ${candidate.name}`;
      this.deps.log.logger.info({ plugin: current.name }, `unloaded ${current.name}: ${why}`);
    }
    if (isSkipped(candidate)) return;
    // A failure is logged by the plugin, and the previous version, if any, keeps serving.
    const summary = emptySummary();
    await this.syncSource(candidate, false, summary);
    this.warnSkipped(summary);
  }

  /** Whether the plugin's path still holds it (a plugin of the same name). */
  private stillThere(plugin: PluginSupervisor): boolean {
    const candidate = inspectCandidate(plugin.source.path);
    return !isSkipped(candidate) ? candidate.name === plugin.name : existsSync(plugin.source.path);
  }

  /**
   * The plugin's folder was renamed (or its file moved): it is reloaded from its new path.
   * A thread reloads blue/green; a process, started in its folder, is replaced by one started in the new one.
   */
  private async move(plugin: PluginSupervisor, source: PluginSource): Promise<void> {
    this.deps.log.logger.info(
      { plugin: plugin.name, from: plugin.source.path, to: source.path },
      `plugin ${plugin.name} moved to ${source.path}`,
    );
    if (this.slots.get(plugin.name)?.isolation !== 'process') {
      await this.reloadUnderConfig(plugin, source, true);
      return;
    }
    await this.unload(plugin.name);
    await this.add(source).load();
  }

  private async watch(dir: string, onChange: (candidate: string) => void): Promise<PluginWatcher> {
    // chokidar loads only for daemons that watch.
    const { PluginWatcher } = await import('./watcher.js');
    const watcher = new PluginWatcher(dir, onChange);
    this.watchers.push(watcher);
    await watcher.start();
    for (const plugin of this.plugins.values()) watcher.follow(plugin.inputs, plugin.source.path);
    return watcher;
  }

  /** The state kept at the last stop, for a plugin's first load in this daemon's life (later ones start empty). */
  private keptState(name: string): CarriedState | undefined {
    if (this.loadedOnce.has(name)) return undefined;
    this.loadedOnce.add(name);
    return this.states.atStart(name);
  }

  /** Watchers report a change to any file the plugin's build read. */
  private followBuild(plugin: PluginSupervisor): void {
    for (const watcher of this.watchers) watcher.follow(plugin.inputs, plugin.source.path);
  }

  /** What the config says `source` runs with now: compared at each reload, so a plugin whose settings changed is reloaded. */
  private settingsFor(source: PluginSource): PluginSettings {
    const { config, log } = this.deps;
    const supervision = supervisionFor(config, source.name);
    // A stdio plugin is a process of its own, talking over its pipes.
    const { isolation, raisedByManifest } = source.exec
      ? { isolation: 'process' as const, raisedByManifest: undefined }
      : isolationOf(config, source);
    if (raisedByManifest) {
      log.logger.info(
        { plugin: source.name },
        `${source.name} runs in a process: its manifest asks for isolation "${raisedByManifest}"`,
      );
    }
    const slot: WorkerSlot = {
      isolation,
      channel: source.exec
        ? 'pipe'
        : isolation === 'process'
          ? processChannel((message) => log.logger.warn(message))
          : config.channel,
      resourceLimits: supervision.resourceLimits,
      heartbeatTimeoutMs: supervision.heartbeatTimeoutMs,
      logLevel: log.logger.level,
      process: isolation === 'process' ? processSettings(config, source) : undefined,
      exec: source.exec && execSettings(config, source.name, source.exec, source.entry),
    };
    return {
      slot,
      supervision,
      maxInFlight: config.limits.maxInFlightPerPlugin,
      schemaCaps: {
        maxMethodsPerPlugin: config.limits.maxMethodsPerPlugin,
        maxSchemaBytes: config.limits.maxSchemaBytes,
        maxSchemaDepth: config.limits.maxSchemaDepth,
      },
      config: config.plugins[source.name]?.config ?? {},
    };
  }

  /** Reloads `plugin` with its settings from the current config; a process plugin whose slot changed drops its old spare. */
  private async reloadUnderConfig(plugin: PluginSupervisor, source: PluginSource, force: boolean) {
    const settings = this.settingsFor(source);
    if (settings.slot.process?.user !== undefined) this.warnSharedUser(source.name, settings.slot.process.user);
    const outcome = await plugin.reload({ force, source, settings });
    const before = this.slots.get(plugin.name);
    const now = plugin.settings.slot;
    this.slots.set(plugin.name, now);
    // Its spare, booted for the old slot, would serve no one (a new config alone keeps the slot, and the spare).
    if (before?.isolation === 'process' && JSON.stringify(before) !== JSON.stringify(now)) this.workers.forget(before);
    return outcome;
  }

  private add(source: PluginSource): PluginSupervisor {
    const { config, registry, hooks, log } = this.deps;
    const settings = this.settingsFor(source);
    if (settings.slot.process?.user !== undefined) this.warnSharedUser(source.name, settings.slot.process.user);
    const plugin = new PluginSupervisor(source, {
      registry,
      hooks,
      logger: log.logger,
      boot: (wanted) => this.workers.take(wanted),
      ...settings,
      buildCache: join(config.home, 'cache', 'builds'),
      activation: config.plugins[source.name]?.activation ?? source.activation ?? config.activation,
      idleStopMs: config.plugins[source.name]?.idleStopMs ?? DEFAULT_IDLE_STOP_MS,
      learning: this.learning,
    });
    this.plugins.set(source.name, plugin);
    this.slots.set(source.name, settings.slot);
    return plugin;
  }

  /** Processes of one user can signal each other (README "Threat model"): the operator hears of it. */
  private warnSharedUser(name: string, user: string | number): void {
    const sharing = [...this.slots]
      .filter(
        ([other, slot]) => other !== name && slot.process?.user !== undefined && sameUser(slot.process.user, user),
      )
      .map(([other]) => other);
    if (sharing.length === 0) return;
    this.deps.log.logger.warn(
      { plugin: name },
      `${name} runs as user ${user}, as ${sharing.join(', ')} does: processes of one user can signal each other (give each plugin a user of its own)`,
    );
  }

  private require(name: string): PluginSupervisor {
    const plugin = this.plugins.get(name);
    if (!plugin) throw HostErrors.noSuchPlugin(name);
    return plugin;
  }

  private bridgeHooks(): void {
    const { hooks } = this.deps;
    const broadcast = (hook: ForwardedHook, args: unknown[]) => {
      for (const plugin of this.plugins.values()) plugin.forward({ t: 'hook', hook, args });
    };
    for (const signal of BRIDGED_SIGNALS) {
      hooks.signal.for(signal).tap('plugd:plugins', () => {
        for (const plugin of this.plugins.values()) plugin.forward({ t: 'signal', signal });
        broadcast('signal', [signal]);
      });
    }
    // The other forwarded hooks are core hooks of the same name (see FORWARDED_HOOKS).
    for (const hook of FORWARDED_HOOKS) {
      if (hook === 'signal') continue;
      const core = hooks[hook] as { tap(name: string, fn: (...args: unknown[]) => void): void };
      core.tap('plugd:plugins', (...args) => broadcast(hook, args));
    }
  }
}

/** Where a plugin runs; a config that contradicts itself fails the plugin's load, naming why. */
function isolationOf(config: Config, source: PluginSource): IsolationChoice {
  try {
    return chooseIsolation(config, source);
  } catch (error) {
    throw HostErrors.phaseFailed(source.name, 'load', (error as Error).message);
  }
}

/** Whether `plugin` is an entry of folder `dir`. */
function isIn(plugin: PluginSupervisor, dir: string): boolean {
  return dirname(resolve(plugin.source.path)) === resolve(dir);
}

/**
 * A worker's log, each plugin's lines held to its rate (DaemonLog.pluginWriter):
 * its `ctx.log` lines as they are, its console output as records naming the
 * plugin and the stream (stdout at info, stderr at warn), so plugd.log stays NDJSON.
 */
function workerLogSink(log: DaemonLog): WorkerLogSink {
  return {
    line: (plugin, line) => log.pluginWriter(plugin)(line),
    output(plugin, stream, text, cut) {
      const level = stream === 'stdout' ? 30 : 40;
      const record = {
        level,
        time: Date.now(),
        pid: process.pid,
        plugin,
        stream,
        msg: text,
        ...(cut && { cut: true }),
      };
      log.pluginWriter(plugin)(JSON.stringify(record));
    },
  };
}
