// The plugin host: the set of loaded plugins, kept in step with the plugin
// folder (at start, on reload, and under the watcher), and the bridge that
// forwards signals and hook events into the workers that asked for them.
// Plugin taps live here, behind one core tap per hook, so they vanish with
// the plugin (tapable has no untap).

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { supervisionFor } from '../config.js';
import type { CoreHooks } from '../hooks.js';
import type { DaemonLog } from '../log.js';
import type { RpcError } from '../rpc/errors.js';
import type { MethodRegistry } from '../rpc/registry.js';
import { BRIDGED_SIGNALS } from '../signals.js';
import { FORWARDED_HOOKS, type ForwardedHook, type PluginStatus, type RescanSummary, type SkippedEntry } from '../channel/protocol.js';
import { discoverPlugins, inspectCandidate, isSkipped, withoutHelperFolders, type PluginSource } from './discovery.js';
import { HostErrors } from './errors.js';
import { PluginSupervisor } from './supervisor.js';
import { PluginWorker, type WorkerLogSink } from './plugin-worker.js';
import { SpareWorkers } from './spare-workers.js';
import { ThreadBackend } from './thread-backend.js';
import { ProcessBackend } from './process-backend.js';
import { chooseIsolation, processChannel, processSettings } from './isolation.js';
import type { WorkerSlot } from './worker-backend.js';
import type { PluginWatcher } from './watcher.js';

export type { RescanSummary } from '../channel/protocol.js';

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

  constructor(private readonly deps: HostDependencies) {
    const log = workerLogSink(deps.log);
    const backend = (slot: WorkerSlot, spare: boolean) =>
      slot.isolation === 'process' ? new ProcessBackend(slot, spare) : new ThreadBackend(slot, spare);
    this.workers = new SpareWorkers(deps.config.spareWorker, (slot, spare) => new PluginWorker(slot, backend(slot, spare), log));
    this.bridgeHooks();
  }

  get pluginDir(): string {
    return this.deps.config.pluginDir;
  }

  /** Loads every plugin in the folder (failures are reported, not thrown), then arms the watcher. */
  async start(): Promise<RescanSummary> {
    const summary = await this.rescan(false);
    this.workers.arm();
    if (this.deps.config.watch) await this.watch(this.pluginDir, (candidate) => this.syncCandidate(candidate));
    return summary;
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
      if (folderPlugin || candidate === target) void this.syncCandidate(target);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.watchers.map((watcher) => watcher.close()));
    await Promise.all([...this.plugins.values()].map((plugin) => plugin.unload()));
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
    await plugin.load();
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
  async reloadOne(name: string, force: boolean): Promise<{ name: string; changed: boolean }> {
    const plugin = this.require(name);
    const candidate = inspectCandidate(plugin.source.path);
    if (isSkipped(candidate)) throw HostErrors.notReloadable(name, candidate.reason);
    return plugin.reload({ force, source: { ...candidate, name } });
  }

  /** Brings the loaded set in line with the folder: new plugins load, removed ones unload, changed ones reload. */
  async rescan(force: boolean): Promise<RescanSummary> {
    const { plugins: found, skipped } = discoverPlugins(this.pluginDir);
    const summary = emptySummary(skipped);
    const foundNames = new Set(found.map((source) => source.name));
    const missing = [...this.plugins.values()].filter((plugin) => this.isInFolder(plugin) && !foundNames.has(plugin.name));
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
    await Promise.all([
      ...removed.map(async (plugin) => {
        await this.unload(plugin.name);
        summary.unloaded.push(plugin.name);
      }),
      ...found.map((source) => this.syncSource(source, force, summary)),
    ]);
    summary.skipped = withoutHelperFolders(summary.skipped, [...this.plugins.values()].flatMap((plugin) => plugin.inputs));
    this.warnSkipped(summary);
    this.skippedEntries = summary.skipped;
    for (const list of [summary.loaded, summary.reloaded, summary.unchanged, summary.unloaded]) list.sort();
    return summary;
  }

  /** One line for each entry left out: junk in the folder, or a name another plugin has. */
  private warnSkipped(summary: RescanSummary): void {
    for (const skip of summary.skipped) this.deps.log.logger.warn({ path: skip.path }, `skipped ${skip.path}: ${skip.reason}`);
  }

  private async syncSource(source: PluginSource, force: boolean, summary: RescanSummary): Promise<void> {
    const existing = this.plugins.get(source.name);
    const moved = existing !== undefined && existing.source.path !== source.path && !this.stillThere(existing);
    if (existing && existing.source.path !== source.path && !moved) {
      summary.skipped.push({ path: source.path, reason: `plugin name "${source.name}" is already taken by ${existing.source.path}` });
      return;
    }
    try {
      if (moved) {
        await this.move(existing, source);
        summary.reloaded.push(source.name);
      } else if (!existing) {
        await this.add(source).load();
        summary.loaded.push(source.name);
      } else {
        const outcome = await existing.reload({ force, source });
        (outcome.changed ? summary.reloaded : summary.unchanged).push(source.name);
      }
      this.followBuild(this.plugins.get(source.name)!);
    } catch (error) {
      summary.failed.push({ name: source.name, error: (error as Error).message });
    }
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
    this.deps.log.logger.info({ plugin: plugin.name, from: plugin.source.path, to: source.path }, `plugin ${plugin.name} moved to ${source.path}`);
    if (this.slots.get(plugin.name)?.isolation !== 'process') {
      await plugin.reload({ force: true, source });
      return;
    }
    await this.unload(plugin.name);
    await this.add(source).load();
  }

  private async watch(dir: string, onChange: (candidate: string) => void): Promise<void> {
    // chokidar loads only for daemons that watch.
    const { PluginWatcher } = await import('./watcher.js');
    const watcher = new PluginWatcher(dir, onChange);
    this.watchers.push(watcher);
    await watcher.start();
    for (const plugin of this.plugins.values()) watcher.follow(plugin.inputs, plugin.source.path);
  }

  /** Watchers report a change to any file the plugin's build read. */
  private followBuild(plugin: PluginSupervisor): void {
    for (const watcher of this.watchers) watcher.follow(plugin.inputs, plugin.source.path);
  }

  private add(source: PluginSource): PluginSupervisor {
    const { config, registry, hooks, log } = this.deps;
    const supervision = supervisionFor(config, source.name);
    const isolation = chooseIsolation(config, source);
    const slot: WorkerSlot = {
      isolation,
      channel: isolation === 'process' ? processChannel((message) => log.logger.warn(message)) : config.channel,
      resourceLimits: supervision.resourceLimits,
      heartbeatTimeoutMs: supervision.heartbeatTimeoutMs,
      logLevel: log.logger.level,
      process: isolation === 'process' ? processSettings(config, source) : undefined,
    };
    const plugin = new PluginSupervisor(source, {
      registry,
      hooks,
      logger: log.logger,
      boot: (wanted) => this.workers.take(wanted),
      slot,
      supervision,
      maxInFlight: config.limits.maxInFlightPerPlugin,
      config: config.plugins[source.name]?.config,
      buildCache: join(config.home, 'cache', 'builds'),
    });
    this.plugins.set(source.name, plugin);
    this.slots.set(source.name, slot);
    return plugin;
  }

  private require(name: string): PluginSupervisor {
    const plugin = this.plugins.get(name);
    if (!plugin) throw HostErrors.noSuchPlugin(name);
    return plugin;
  }

  private isInFolder(plugin: PluginSupervisor): boolean {
    return dirname(resolve(plugin.source.path)) === resolve(this.pluginDir);
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

/**
 * A worker's log, each plugin's lines held to its rate (DaemonLog.pluginWriter):
 * its `ctx.log` lines as they are, its console output as records naming the
 * plugin and the stream (stdout at info, stderr at warn), so plugd.log stays NDJSON.
 */
function workerLogSink(log: DaemonLog): WorkerLogSink {
  return {
    line: (plugin, line) => log.pluginWriter(plugin)(line),
    output(plugin, stream, text) {
      const level = stream === 'stdout' ? 30 : 40;
      log.pluginWriter(plugin)(JSON.stringify({ level, time: Date.now(), pid: process.pid, plugin, stream, msg: text }));
    },
  };
}
