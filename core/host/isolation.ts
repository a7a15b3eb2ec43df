// Where a plugin runs: a worker thread of the daemon, or an OS process of its
// own (README "Isolation"). Isolation is the operator's: the config's word for
// the plugin (or the daemon's default) sets the least a plugin gets, and the
// plugin's manifest may only ask for more (a thread raised to a process),
// never less. `user`, `group` or `env` for a plugin mean a process. "auto" puts
// a plugin in a process when its folder holds native code, since a native
// fault in a thread takes the whole daemon down.

import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config, IsolationSetting } from '../config/config.js';
import { processChannelKind } from '../channel/process-channel.js';
import { shmMissingReason } from '../channel/shm.js';
import type { ProcessChannelKind } from '../channel/transport.js';
import type { Isolation } from '../contract/plugin-status.js';
import type { PluginSource } from './discovery.js';
import type { ExecSettings, ProcessSettings } from './worker-backend.js';
import { ConfigError } from '../contract/errors.js';

export interface IsolationChoice {
  isolation: Isolation;
  /** Set when the plugin's manifest raised a thread to a process: what it asked for, for the log. */
  raisedByManifest?: IsolationSetting;
}

/** Where `source` runs; throws (the load's reason) when its config asks for a thread and for what only a process has. */
export function chooseIsolation(config: Config, source: PluginSource): IsolationChoice {
  const own = config.plugins[source.name];
  const processOnly = (['user', 'group', 'env'] as const).filter((key) => own?.[key] !== undefined);
  if (processOnly.length && own?.isolation === 'thread') {
    throw new ConfigError(
      `plugins.${source.name} says isolation "thread" but sets ${processOnly.join(', ')}, which only a process has`,
    );
  }
  if (processOnly.length || resolve(own?.isolation ?? config.isolation, source.path) === 'process')
    return { isolation: 'process' };
  if (source.isolation !== undefined && resolve(source.isolation, source.path) === 'process') {
    return { isolation: 'process', raisedByManifest: source.isolation };
  }
  return { isolation: 'thread' };
}

function resolve(setting: IsolationSetting, path: string): Isolation {
  if (setting !== 'auto') return setting;
  return holdsNativeCode(path) ? 'process' : 'thread';
}

/** A compiled addon (`.node`) or the makings of one (`binding.gyp`) anywhere under a plugin's folder, `node_modules` included. */
export function holdsNativeCode(path: string): boolean {
  if (!statSync(path).isDirectory()) return false;
  const pending = [path];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // Unreadable: it cannot be loaded either.
    }
    for (const entry of entries) {
      if (entry.isFile() && (entry.name.endsWith('.node') || entry.name === 'binding.gyp')) return true;
      // Symbolic links are not followed: a link out of the folder (or a loop) is not the plugin's.
      if (entry.isDirectory()) pending.push(join(dir, entry.name));
    }
  }
  return false;
}

/** How the plugin's process is started: its folder, its user and group, its environment. */
export function processSettings(config: Config, source: PluginSource): ProcessSettings {
  const own = config.plugins[source.name];
  const cwd = statSync(source.path).isDirectory() ? source.path : dirname(source.path);
  return { plugin: source.name, cwd, env: own?.env ?? {}, user: own?.user, group: own?.group };
}

/** How a stdio plugin's program is started and held to the protocol's limits. */
export function execSettings(config: Config, plugin: string, argv: string[], entry: string): ExecSettings {
  return { argv, entry, sha256: config.plugins[plugin]?.sha256, maxLineBytes: config.limits.maxLineBytes };
}

let channelKind: ProcessChannelKind | undefined;

/** The channel of every plugin process: the shared-memory ring, or the IPC pipe when the addon is missing (logged once). */
export function processChannel(warn: (message: string) => void): ProcessChannelKind {
  if (channelKind === undefined) {
    channelKind = processChannelKind();
    if (channelKind === 'pipe') warn(`process plugins talk over their IPC pipe: ${shmMissingReason()}`);
  }
  return channelKind;
}
