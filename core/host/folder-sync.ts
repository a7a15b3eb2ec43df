// Keeping the loaded plugins in step with the plugin folder: the rescan (at
// start, on reload) and the watchers' reports of one changed entry, with a
// plugin's folder renamed or the plugin folder moved by a re-read config.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { type RescanSummary, type SkippedEntry } from '../contract/plugin-status.js';
import { discoverPlugins, inspectCandidate, isSkipped, withoutHelperFolders, type PluginSource } from './discovery.js';
import type { CarriedState, PluginSettings, PluginSupervisor, ReloadOutcome } from './supervisor.js';
import type { WorkerSlot } from './worker-backend.js';

/** What the folder sync reads and does of the host: its plugins, and how one is added, reloaded or unloaded. */
export interface SyncedHost {
  readonly plugins: ReadonlyMap<string, PluginSupervisor>;
  /** How each plugin's workers are booted. */
  readonly slots: ReadonlyMap<string, WorkerSlot>;
  pluginDir(): string;
  logger(): Logger;
  settingsFor(source: PluginSource): PluginSettings;
  unload(name: string): Promise<void>;
  add(source: PluginSource): PluginSupervisor;
  keptState(name: string): CarriedState | undefined;
  reloadUnderConfig(plugin: PluginSupervisor, source: PluginSource, force: boolean): Promise<ReloadOutcome>;
  followBuild(plugin: PluginSupervisor): void;
}

function emptySummary(skipped: SkippedEntry[] = []): RescanSummary {
  return { loaded: [], reloaded: [], unchanged: [], unloaded: [], failed: [], skipped };
}

export class FolderSync {
  /** The entries of the plugin folder left out by the latest rescan. */
  skippedEntries: SkippedEntry[] = [];
  /** The plugin folder before a re-read config moved it: its plugins leave, or move, at the next rescan. */
  formerPluginDir: string | undefined;

  constructor(private readonly host: SyncedHost) {}

  /** Brings the loaded set in line with the folder: new plugins load, removed ones unload, changed ones reload. */
  async rescan(force: boolean): Promise<RescanSummary> {
    const { plugins: found, skipped } = discoverPlugins(this.host.pluginDir());
    const summary = emptySummary(skipped);
    const foundNames = new Set(found.map((source) => source.name));
    const former = this.formerPluginDir;
    this.formerPluginDir = undefined;
    const inScope = (plugin: PluginSupervisor) =>
      isIn(plugin, this.host.pluginDir()) || (former !== undefined && isIn(plugin, former));
    const missing = [...this.host.plugins.values()].filter((plugin) => inScope(plugin) && !foundNames.has(plugin.name));
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
    const reconfigured = [...this.host.plugins.values()].filter(
      (plugin) =>
        !inScope(plugin) && !foundNames.has(plugin.name) && plugin.settingsDiffer(this.host.settingsFor(plugin.source)),
    );
    await Promise.all([
      ...removed.map(async (plugin) => {
        await this.host.unload(plugin.name);
        summary.unloaded.push(plugin.name);
      }),
      ...found.map((source) => this.syncSource(source, force, summary, former)),
      ...reconfigured.map((plugin) => this.syncSource(plugin.source, false, summary)),
    ]);
    summary.skipped = withoutHelperFolders(
      summary.skipped,
      [...this.host.plugins.values()].flatMap((plugin) => plugin.inputs),
    );
    this.warnSkipped(summary);
    this.skippedEntries = summary.skipped;
    for (const list of [summary.loaded, summary.reloaded, summary.unchanged, summary.unloaded]) list.sort();
    return summary;
  }

  /** One line for each entry left out: junk in the folder, or a name another plugin has. */
  private warnSkipped(summary: RescanSummary): void {
    for (const skip of summary.skipped)
      this.host.logger().warn({ path: skip.path }, `skipped ${skip.path}: ${skip.reason}`);
  }

  /** `former`: the folder the plugin folder was before a re-read config moved it; a plugin of the same name there moves. */
  private async syncSource(
    source: PluginSource,
    force: boolean,
    summary: RescanSummary,
    former?: string,
  ): Promise<void> {
    const existing = this.host.plugins.get(source.name);
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
        await this.host.add(source).load(this.host.keptState(source.name));
        summary.loaded.push(source.name);
      } else {
        const outcome = await this.host.reloadUnderConfig(existing, source, force);
        (outcome.changed ? summary.reloaded : summary.unchanged).push(source.name);
      }
      this.host.followBuild(this.host.plugins.get(source.name)!);
    } catch (error) {
      summary.failed.push({ name: source.name, error: (error as Error).message });
    }
  }

  /** syncCandidate for a watcher's callback: what it throws is logged, not left unhandled. */
  resync(path: string): void {
    this.syncCandidate(path).catch((error: unknown) =>
      this.host.logger().error({ err: error, path }, `syncing ${path} failed`),
    );
  }

  /** The watcher's report: one entry of the folder changed (added, edited, renamed or removed). */
  private async syncCandidate(path: string): Promise<void> {
    const candidate = inspectCandidate(path);
    const current = [...this.host.plugins.values()].find((plugin) => plugin.source.path === path);
    if (current && isSkipped(candidate) && existsSync(path)) {
      // Still there, but no plugin now (a broken package.json): a failed new version, the old one serves on.
      current.sourceFailed(candidate.reason);
      return;
    }
    if (current && (isSkipped(candidate) || candidate.name !== current.name)) {
      await this.host.unload(current.name);
      const why = isSkipped(candidate) ? candidate.reason : `now named ${candidate.name}`;
      this.host.logger().info({ plugin: current.name }, `unloaded ${current.name}: ${why}`);
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
    this.host
      .logger()
      .info(
        { plugin: plugin.name, from: plugin.source.path, to: source.path },
        `plugin ${plugin.name} moved to ${source.path}`,
      );
    if (this.host.slots.get(plugin.name)?.isolation !== 'process') {
      await this.host.reloadUnderConfig(plugin, source, true);
      return;
    }
    await this.host.unload(plugin.name);
    await this.host.add(source).load();
  }
}

/** Whether `plugin` is an entry of folder `dir`. */
function isIn(plugin: PluginSupervisor, dir: string): boolean {
  return dirname(resolve(plugin.source.path)) === resolve(dir);
}
