// The plugin host: the set of loaded plugins, kept in step with the plugin
// folder (at start, on reload, and under the watcher: folder-sync.ts), and the
// bridge that forwards signals and hook events into the workers that asked
// for them (hook-bridge.ts).

import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { DEFAULT_IDLE_STOP_MS } from '../config/config.js';
import type { CoreHooks } from '../hooks.js';
import type { DaemonLog } from '../observe/log.js';
import type { RpcError } from '../rpc/errors.js';
import type { MethodRegistry } from '../rpc/registry.js';
import { type PluginStatus, type ReloadOne, type RescanSummary, type SkippedEntry } from '../contract/plugin-status.js';
import { inspectCandidate, isSkipped, type PluginSource } from './discovery.js';
import { HostErrors } from './errors.js';
import { PluginSupervisor, type CarriedState, type FrozenPlugin } from './supervisor.js';
import type { SpareWorkers } from './spare-workers.js';
import { checkSharedSlot } from './shared-workers.js';
import { LearningSlots } from './learning-slots.js';
import { StateKeeper } from './state-keeper.js';
import { StateStore } from './state-store.js';
import { reportStopProgress } from './stop-progress.js';
import { settingsFor, warnSharedUser } from './plugin-settings.js';
import { bridgeHooks } from './hook-bridge.js';
import { FolderSync } from './folder-sync.js';
import { WorkerBoot } from './worker-boot.js';
import type { WorkerSlot } from './worker-backend.js';
import type { PluginWatcher } from './watcher.js';

export type { RescanSummary } from '../contract/plugin-status.js';

export interface HostDependencies {
  config: Config;
  registry: MethodRegistry;
  hooks: CoreHooks;
  log: DaemonLog;
}

export class PluginHost {
  private readonly plugins = new Map<string, PluginSupervisor>();
  /** How each plugin's workers are booted. */
  private readonly slots = new Map<string, WorkerSlot>();
  private readonly watchers: PluginWatcher[] = [];
  private readonly workers: SpareWorkers;
  /** How plugins' workers boot: spares, shared workers (worker-boot.ts). */
  private readonly workerBoot: WorkerBoot;
  /** The plugins' state kept in the home across a stop. */
  private readonly states: StateKeeper;
  /** Plugins loaded in this daemon's life: only a first load starts with the state kept at the last stop. */
  private readonly loadedOnce = new Set<string>();
  /** onCall plugins loading only to learn their methods, a few at a time. */
  private readonly learning = new LearningSlots(Math.max(2, availableParallelism()));

  /** The watcher of the plugin folder (`watch`), apart from `plugd dev`'s. */
  private folderWatcher: PluginWatcher | undefined;
  /** The rescan and the watchers' reports: the loaded set kept in step with the folder. */
  private readonly sync: FolderSync;

  constructor(private deps: HostDependencies) {
    this.workerBoot = new WorkerBoot(deps.config.spareWorker, deps.log);
    this.workers = this.workerBoot.spares;
    const persists = (plugin: string) => deps.config.plugins[plugin]?.persist !== false;
    this.states = new StateKeeper(StateStore.ofHome(deps.config.home), persists, deps.log.logger);
    this.sync = new FolderSync({
      plugins: this.plugins,
      slots: this.slots,
      pluginDir: () => this.pluginDir,
      logger: () => this.deps.log.logger,
      settingsFor: (source) => this.settingsFor(source),
      unload: (name) => this.unload(name),
      add: (source) => this.add(source),
      keptState: (name) => this.keptState(name),
      reloadUnderConfig: (plugin, source, force) => this.reloadUnderConfig(plugin, source, force),
      followBuild: (plugin) => this.followBuild(plugin),
    });
    bridgeHooks(deps.hooks, this.plugins);
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
    this.folderWatcher = await this.watch(this.pluginDir, (candidate) => this.sync.resync(candidate));
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
      if (folderPlugin || candidate === target) this.sync.resync(target);
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
    return [...this.sync.skippedEntries];
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
    if (before.pluginDir !== config.pluginDir) this.sync.formerPluginDir = before.pluginDir;
    if (before.pluginDir === config.pluginDir && before.watch === config.watch) return;
    const folderWatcher = this.folderWatcher;
    this.folderWatcher = undefined;
    if (folderWatcher) {
      this.watchers.splice(this.watchers.indexOf(folderWatcher), 1);
      await folderWatcher.close();
    }
    if (config.watch) await this.watchFolder();
  }

  /** See FolderSync.rescan. */
  rescan(force: boolean): Promise<RescanSummary> {
    return this.sync.rescan(force);
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
  private settingsFor(source: PluginSource) {
    return settingsFor(this.deps.config, this.deps.log, source);
  }

  /** Reloads `plugin` with its settings from the current config; a process plugin whose slot changed drops its old spare. */
  private async reloadUnderConfig(plugin: PluginSupervisor, source: PluginSource, force: boolean) {
    const settings = this.settingsFor(source);
    checkSharedSlot(this.slots, source.name, settings.slot);
    if (settings.slot.process?.user !== undefined)
      warnSharedUser(this.slots, this.deps.log.logger, source.name, settings.slot.process.user);
    const outcome = await plugin.reload({ force, source, settings });
    if (outcome.changed) await this.workerBoot.followSharedWorker(plugin, this.plugins.values());
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
    checkSharedSlot(this.slots, source.name, settings.slot);
    if (settings.slot.process?.user !== undefined)
      warnSharedUser(this.slots, this.deps.log.logger, source.name, settings.slot.process.user);
    const plugin = new PluginSupervisor(source, {
      registry,
      hooks,
      logger: log.logger,
      boot: (wanted) => this.workerBoot.boot(source.name, wanted),
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

  private require(name: string): PluginSupervisor {
    const plugin = this.plugins.get(name);
    if (!plugin) throw HostErrors.noSuchPlugin(name);
    return plugin;
  }
}
