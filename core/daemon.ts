// The daemon's lifecycle: config → home → pidfile → socket → signal bridge →
// plugins → ready; and the graceful way back: stop accepting, drain in-flight
// calls, run the shutdown hook, stop plugins, remove socket and pidfile (only
// those it made itself: a failed start leaves another process's socket be).
// Each part registers its own close as it starts (lifecycle.ts); the way back
// is those closes in reverse, once.

import type { DaemonMetrics, DaemonStatus } from './contract/daemon.js';
import { loadRoots, openHome, runningMetrics, runningParts, runningStatus, systemdStatus } from './daemon/running.js';
import type { DaemonOptions, Running } from './daemon/running.js';
import type { DaemonReloadSummary } from './contract/plugin-status.js';
import { reloadRunning } from './daemon/reload.js';
import { Metrics } from './observe/metrics.js';
import { createHooks, type CoreHooks } from './hooks.js';
import { version } from './package-root.js';
import { acquirePidfile, releasePidfile, replacePidfile } from './home/pidfile.js';
import { installSignalBridge } from './signals.js';
import { applyNiceness } from './daemon/niceness.js';
import { tapCoreHooks } from './daemon/core-taps.js';
import { NotStartedError } from './contract/errors.js';
import type { RescanSummary } from './host/plugin-host.js';
import { registerBuiltins } from './rpc/builtins.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { defineMethod, MethodRegistry, type MethodDefinition, type DaemonMethodHandler } from './rpc/registry.js';
import { removeStaleSocket } from './rpc/socket-file.js';
import { systemdNotifier, type SystemdNotifier } from './home/sd-notify.js';
import { takeInheritedListeners } from './home/listen-fds.js';
import { upgradeFailed } from './upgrade/predecessor.js';
import { handOver, takeOver } from './daemon/upgrade.js';
import { Succession, takeSuccessorBrief } from './upgrade/successor.js';
import type { UpgradeOutcome, UpgradeRequest } from './rpc/builtins-daemon.js';

export type { DaemonOptions } from './daemon/running.js';

/** Where a `Daemon` is in its life (`status()` and `metrics()` need one that has started). */
export type DaemonState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class Daemon {
  readonly hooks: CoreHooks = createHooks();
  readonly registry = new MethodRegistry();
  readonly callStats = new Metrics();
  readonly dispatcher = new Dispatcher(this.registry, this.hooks, this.callStats);
  /** In-core methods, served on the main thread (library use). */
  readonly rpc = {
    method: (name: string, definition: MethodDefinition, handler: DaemonMethodHandler) =>
      this.registry.add(defineMethod(name, 'app', definition, handler)),
  };
  readonly version = version;
  /** What start printed as warnings (also logged): `plugd start` shows them on the terminal. */
  readonly warnings: string[] = [];
  private running: Running | undefined;
  private phase: DaemonState = 'new';
  /** Only a pidfile this daemon wrote is removed on the way out (an upgrade's successor takes it over). */
  private ownsPidfile = false;
  /** What systemd is told (silent outside systemd). */
  private systemd: SystemdNotifier | undefined;
  /** Set when this daemon is an upgrade's successor, until it has taken over. */
  private succession: Succession | undefined;
  /** `daemon.status`: upgrades since the first daemon started, and the daemon this one replaced. */
  private upgradeCount = 0;
  private upgradedFrom: { pid: number; version: string } | undefined;
  private upgrading = false;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves when the daemon has stopped. */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: DaemonOptions = {}) {}

  get state(): DaemonState {
    return this.phase;
  }

  /** Upgrades since the first daemon of this line started (0 for a daemon no upgrade started). */
  get upgrades(): number {
    return this.upgradeCount;
  }

  /** Starts the daemon; resolves when it serves and every plugin has loaded or failed. */
  async start(): Promise<RescanSummary> {
    this.phase = 'starting';
    const brief = takeSuccessorBrief();
    if (brief) {
      // A successor runs as the old daemon ran: its home, its command line.
      Object.assign(this.options, brief.options, { home: brief.home });
      this.succession = new Succession(brief);
      this.upgradedFrom = brief.from;
      this.upgradeCount = brief.upgrades + 1;
    }
    try {
      const summary = await this.boot();
      if (this.phase === 'starting') this.phase = 'running';
      return summary;
    } catch (error) {
      await this.succession?.failed(error);
      // What started is closed (boot): a later stop() has nothing to do, and `stopped` resolves.
      this.stopping ??= Promise.resolve();
      this.phase = 'stopped';
      this.resolveStopped();
      throw error;
    }
  }

  /** The parts in start order; each registers its close, and a failure closes those that started. */
  private async boot(): Promise<RescanSummary> {
    const { config, paths, log, parts } = openHome(this.options, (line) => this.running?.listeners.logLine(line));
    this.systemd = systemdNotifier((message) => log.logger.warn(message));
    try {
      const inherited = takeInheritedListeners(process.env, Boolean(this.succession)) ?? {};
      // Released only if written here; a successor takes it once it serves (takeOver).
      parts.onClose('pidfile', () => this.ownsPidfile && releasePidfile(paths.pidfile));
      if (!this.succession) {
        await acquirePidfile(paths.pidfile, paths.socket);
        this.ownsPidfile = true;
      }
      applyNiceness(config.niceness);
      // A passed socket is live, and not ours to remove.
      if (inherited.unix === undefined) await removeStaleSocket(paths.socket);
      const running = runningParts({ config, paths, log, parts }, inherited, {
        hooks: this.hooks,
        registry: this.registry,
        dispatcher: this.dispatcher,
        callStats: this.callStats,
        metrics: () => this.metrics(),
        warn: (message) => this.warn(message),
      });
      const { host, listeners } = running;
      this.running = running;
      parts.onClose('socket file', () => listeners.removeSocket());
      tapCoreHooks(this.hooks, {
        stop: (reason) => this.stop(reason),
        reload: (source) => this.reload(source),
        logger: log.logger,
      });
      await parts.start(
        'signal bridge',
        () => installSignalBridge(this.hooks),
        (remove) => remove(),
      );
      parts.onClose('plugins', async () => {
        await host.stop();
        this.callStats.close();
      });
      this.registerBuiltins(running);
      parts.onClose('shutdown hook', () => this.hooks.shutdown.promise());
      // Registered first: a listener that fails leaves the ones bound before it to close.
      parts.onClose('listeners', (drainMs) => listeners.close(drainMs));
      // A successor listens on the sockets it is handed once it has taken over.
      if (!this.succession) await listeners.listen();
      running.startedAt = Date.now();
      await this.hooks.start.promise();
      const summary = await host.start();
      if (this.options.develop) await host.develop(this.options.develop);
      await this.hooks.ready.promise();
      if (this.succession) {
        const takePidfile = () => {
          replacePidfile(paths.pidfile);
          this.ownsPidfile = true;
        };
        await takeOver(this.succession, running, this.dispatcher, takePidfile, this.upgradeCount);
        this.succession = undefined;
      }
      log.logger.info(
        { socket: paths.socket, plugins: summary.loaded, failed: summary.failed },
        `plugd ${version} ready on ${paths.socket}`,
      );
      await parts.start(
        'systemd',
        // The pidfile names this process before systemd is told it is the main one.
        () => {
          this.systemd?.send({
            ...(this.upgradedFrom && { MAINPID: process.pid }),
            READY: 1,
            STATUS: systemdStatus(running),
          });
          this.systemd?.startWatchdog();
        },
        () => this.systemd?.stop(),
      );
      return summary;
    } catch (error) {
      await parts.close(0);
      throw error;
    }
  }

  /** The built-ins get what they need of the daemon, not the daemon. */
  private registerBuiltins(running: Running): void {
    registerBuiltins(this.registry, this.dispatcher, {
      version,
      host: running.host,
      loadRoots: () => loadRoots(running),
      status: () => this.status(),
      metrics: () => this.metrics(),
      requestStop: (reason) => this.requestStop(reason),
      reload: (source, force) => this.reload(source, force),
      upgrade: (request) => this.upgrade(request),
    });
  }

  /** What only a started daemon has; NotStartedError before `start()`. */
  private started(what: string): Running {
    if (!this.running) throw new NotStartedError(what);
    return this.running;
  }

  status(): DaemonStatus {
    return runningStatus(this.started('status()'), {
      upgrades: this.upgradeCount,
      upgradedFrom: this.upgradedFrom,
      methods: this.registry.size,
    });
  }

  metrics(): DaemonMetrics {
    return runningMetrics(this.started('metrics()'), this.callStats);
  }

  /** SIGHUP, `daemon.reload`: the log reopened, plugd.json re-read, the plugin folder rescanned (daemon/reload.ts). */
  async reload(source: 'signal' | 'rpc', force = false): Promise<DaemonReloadSummary> {
    const running = this.started('reload()');
    // systemd wants the monotonic clock beside RELOADING=1 (CLOCK_MONOTONIC, as process.hrtime reads it).
    this.systemd?.send({ RELOADING: 1, MONOTONIC_USEC: String(process.hrtime.bigint() / 1000n) });
    try {
      return await reloadRunning(running, this.options, this.hooks, source, force);
    } finally {
      this.systemd?.send({ READY: 1, STATUS: systemdStatus(running) });
    }
  }

  /**
   * `plugd upgrade`: a successor takes the listening sockets (upgrade/); once
   * it serves, this daemon drains its connections and stops, leaving the
   * socket and pidfile to it. If it fails, this daemon serves on.
   */
  async upgrade(request: UpgradeRequest): Promise<UpgradeOutcome> {
    if (this.upgrading || this.stopping)
      throw upgradeFailed('start', this.stopping ? 'the daemon is stopping' : 'another upgrade is under way');
    const running = this.started('upgrade()');
    this.upgrading = true;
    try {
      return await handOver(
        running,
        {
          options: this.options,
          upgrades: this.upgradeCount,
          registry: this.registry,
          leave: () => {
            this.ownsPidfile = false;
            // systemd follows the successor (MAINPID=): this daemon's stop is not the service's.
            this.systemd?.stop();
            this.systemd = undefined;
          },
          stop: (reason) => this.stop(reason),
        },
        request,
      );
    } catch (error) {
      this.upgrading = false;
      throw error;
    }
  }

  requestStop(reason: string): void {
    setImmediate(() => void this.stop(reason));
  }

  /** Graceful stop; safe to call more than once, and before `start()` (nothing to stop then). */
  stop(reason = 'stop'): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    this.phase = 'stopping';
    const running = this.running;
    if (running) {
      running.log.logger.info({ reason }, 'stopping');
      this.systemd?.send({ STOPPING: 1 });
      await running.parts.close(running.config.supervision.drainTimeoutMs);
      running.log.logger.info('stopped');
      running.log.flush();
    }
    this.phase = 'stopped';
    this.resolveStopped();
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.running?.log.logger.warn(message);
  }
}

export function createDaemon(options: DaemonOptions = {}): Daemon {
  return new Daemon(options);
}
