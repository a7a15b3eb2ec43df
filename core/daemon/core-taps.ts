// The core's own behaviour on signals, expressed as taps like any extension:
// SIGTERM and SIGINT stop gracefully, SIGHUP reloads (an invalid plugd.json is
// logged, and the daemon runs on as it was).

import type { Logger } from 'pino';
import type { DaemonReloadSummary } from '../contract/plugin-status.js';
import type { CoreHooks } from '../hooks.js';

/** What the taps need of the daemon. */
export interface SignalledDaemon {
  stop(reason: string): Promise<void>;
  reload(source: 'signal'): Promise<DaemonReloadSummary>;
  readonly logger: Logger;
}

export function tapCoreHooks(hooks: CoreHooks, daemon: SignalledDaemon): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    hooks.signal.for(signal).tap('plugd:stop', () => void daemon.stop(signal));
  }
  hooks.signal.for('SIGHUP').tap('plugd:reload', () => {
    daemon.reload('signal').then(
      (summary) => daemon.logger.info({ summary }, 'reloaded on SIGHUP'),
      (error) => daemon.logger.error({ err: error }, `reload on SIGHUP failed: ${(error as Error).message}`),
    );
  });
}
