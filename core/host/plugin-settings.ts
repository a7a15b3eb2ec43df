// A plugin's settings as the config gives them now (where it runs, its
// channel, its limits), and the warning when two process plugins share a user.

import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { supervisionFor } from '../config/config.js';
import type { DaemonLog } from '../observe/log.js';
import type { PluginSource } from './discovery.js';
import { HostErrors } from './errors.js';
import { chooseIsolation, execSettings, processChannel, processSettings, type IsolationChoice } from './isolation.js';
import { sameUser } from './process-user.js';
import type { PluginSettings } from './supervisor.js';
import type { WorkerSlot } from './worker-backend.js';

/** What the config says `source` runs with now: compared at each reload, so a plugin whose settings changed is reloaded. */
export function settingsFor(config: Config, log: DaemonLog, source: PluginSource): PluginSettings {
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
  const limits = {
    resourceLimits: supervision.resourceLimits,
    heartbeatTimeoutMs: supervision.heartbeatTimeoutMs,
    logLevel: log.logger.level,
    sharedWorker: config.plugins[source.name]?.sharedWorker,
  };
  const slot: WorkerSlot =
    isolation === 'thread'
      ? { ...limits, isolation, channel: config.channel }
      : {
          ...limits,
          isolation,
          channel: source.exec ? 'pipe' : processChannel((message) => log.logger.warn(message)),
          process: processSettings(config, source),
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

/** Processes of one user can signal each other (README "Threat model"): the operator hears of it. */
export function warnSharedUser(
  slots: ReadonlyMap<string, WorkerSlot>,
  logger: Logger,
  name: string,
  user: string | number,
): void {
  const sharing = [...slots]
    .filter(([other, slot]) => other !== name && slot.process?.user !== undefined && sameUser(slot.process.user, user))
    .map(([other]) => other);
  if (sharing.length === 0) return;
  logger.warn(
    { plugin: name },
    `${name} runs as user ${user}, as ${sharing.join(', ')} does: processes of one user can signal each other (give each plugin a user of its own)`,
  );
}

/** Where a plugin runs; a config that contradicts itself fails the plugin's load, naming why. */
function isolationOf(config: Config, source: PluginSource): IsolationChoice {
  try {
    return chooseIsolation(config, source);
  } catch (error) {
    throw HostErrors.phaseFailed(source.name, 'load', (error as Error).message);
  }
}
