// A daemon that stops waits for each plugin to drain its calls and run its
// `onShutdown` handlers, up to the drain deadline. A plugin still at it after
// a second is named in the log with what it waits for, once per phase, so
// `plugd stop` (which follows the log) can say why it waits.

import type { Logger } from 'pino';
import type { PluginSupervisor } from './supervisor.js';

/** A stop shorter than this says nothing. */
const QUIET_MS = 1000;
const CHECK_EVERY_MS = 250;

/** Starts reporting on `plugins` as they stop; call the answer once they have. */
export function reportStopProgress(plugins: PluginSupervisor[], logger: Logger): () => void {
  const told = new Map<string, string>();
  const check = () => {
    for (const plugin of plugins) {
      const waitingFor = plugin.waitingFor;
      if (waitingFor === undefined || told.get(plugin.name) === waitingFor) continue;
      told.set(plugin.name, waitingFor);
      logger.info({ plugin: plugin.name, waitingFor }, `waiting for plugin ${plugin.name} (${waitingFor})`);
    }
  };
  let timer = setTimeout(function tick() {
    check();
    timer = setTimeout(tick, CHECK_EVERY_MS);
  }, QUIET_MS);
  return () => clearTimeout(timer);
}
