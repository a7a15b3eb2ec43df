// SIGHUP and `daemon.reload`: reopen the log, re-read `plugd.json` (what can
// change in place is applied, what needs a restart is named; an invalid file
// changes nothing and is thrown), run the reload hook, then rescan, which
// reloads each plugin whose code or settings changed.

import type { Logger } from 'pino';
import { loadConfig, type Config, type ConfigOverrides } from '../config/config.js';
import { reconcileConfig } from '../config/config-changes.js';
import type { ConfigChanges, DaemonReloadSummary } from '../contract/plugin-status.js';
import type { Running } from './running.js';
import { ConfigError } from '../contract/errors.js';
import type { CoreHooks } from '../hooks.js';

export async function reloadRunning(
  running: Running,
  options: ConfigOverrides,
  hooks: CoreHooks,
  source: 'signal' | 'rpc',
  force: boolean,
): Promise<DaemonReloadSummary> {
  const { log, host } = running;
  log.reopen();
  const { config, changes } = rereadConfig(running.config, options, log.logger);
  running.config = config;
  log.logger.level = config.logLevel;
  log.setPluginLinesPerSecond(config.limits.pluginLogLinesPerSecond);
  await host.reconfigure(config);
  await hooks.reload.promise({ source });
  return { ...(await host.rescan(force)), config: changes };
}

/** The config to run with now, and what changed; throws ConfigError (nothing applied) for an invalid file. */
function rereadConfig(
  current: Config,
  options: ConfigOverrides,
  logger: Logger,
): { config: Config; changes: ConfigChanges } {
  let next: Config;
  try {
    next = loadConfig({ ...options, home: current.home });
  } catch (error) {
    throw new ConfigError(`plugd.json not applied, nothing changed: ${(error as Error).message}`, { cause: error });
  }
  const { config, changes } = reconcileConfig(current, next);
  if (changes.applied.length)
    logger.info({ applied: changes.applied }, `plugd.json: applied ${changes.applied.join(', ')}`);
  if (changes.needsRestart.length) {
    logger.warn(
      { needsRestart: changes.needsRestart },
      `plugd.json: ${changes.needsRestart.join(', ')} changed: needs a restart (plugd restart) to take effect`,
    );
  }
  return { config, changes };
}
