// The daemon's two sides of `plugd upgrade` (the sequence is in
// upgrade/protocol.ts): the old daemon hands its sockets to a successor and,
// once it serves, drains and stops; the successor, loaded, takes over.

import type { Running } from './running.js';
import { version } from '../package-root.js';
import type { UpgradeOutcome, UpgradeRequest } from '../rpc/builtins-daemon.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import type { MethodRegistry } from '../rpc/registry.js';
import { startSuccessor, type SuccessorServing } from '../upgrade/predecessor.js';
import type { CarriedOptions } from '../upgrade/protocol.js';
import type { Succession } from '../upgrade/successor.js';

/** What the old daemon's side needs of the daemon besides its running parts. */
export interface HandingOver {
  readonly options: CarriedOptions;
  /** Upgrades before this one. */
  readonly upgrades: number;
  readonly registry: MethodRegistry;
  /** The pidfile and systemd's attention are the successor's from now on. */
  leave(): void;
  stop(reason: string): Promise<void>;
}

/** Starts a successor on this daemon's sockets; once it serves, this daemon drains and stops. */
export async function handOver(
  running: Running,
  daemon: HandingOver,
  request: UpgradeRequest,
): Promise<UpgradeOutcome> {
  const succession = await startSuccessor(
    {
      version,
      config: running.config,
      options: daemon.options,
      upgrades: daemon.upgrades,
      host: running.host,
      registry: daemon.registry,
      logger: running.log.logger,
      handedListeners: () => running.listeners.handed(),
    },
    request,
  );
  running.log.logger.info(
    { successor: succession.outcome.pid },
    `upgraded: plugd ${version} pid ${succession.outcome.pid} serves; draining`,
  );
  setImmediate(() => void drainAfterUpgrade(succession, running, daemon));
  return succession.outcome;
}

/** The old daemon's way out after an upgrade: the socket and pidfile are the successor's now. */
async function drainAfterUpgrade(succession: SuccessorServing, running: Running, daemon: HandingOver): Promise<void> {
  daemon.leave();
  await running.listeners.drain(running.config.upgrade.drainTimeoutMs);
  succession.release();
  await daemon.stop(`upgraded to pid ${succession.outcome.pid}`);
}

/** A successor's step from loaded to serving: the state, the sockets, then the pidfile (`takePidfile`). */
export async function takeOver(
  succession: Succession,
  { config, host, listeners, log }: Running,
  dispatcher: Dispatcher,
  takePidfile: () => void,
  upgrades: number,
): Promise<void> {
  const { brief } = succession;
  await succession.takeOver(
    {
      host,
      dispatcher,
      listen: () => listeners.listen(),
      takePidfile: () => {
        takePidfile();
        listeners.ownsSocket = brief.ownsSocket;
      },
    },
    config.supervision.snapshotTimeoutMs,
  );
  log.logger.info(
    { from: brief.from },
    `took over from plugd ${brief.from.version} pid ${brief.from.pid} (upgrade ${upgrades})`,
  );
}
