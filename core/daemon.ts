// The daemon's lifecycle: config → home → pidfile → socket → signal bridge →
// plugins → ready; and the graceful way back: stop accepting, drain in-flight
// calls, run the shutdown hook, stop plugins, remove socket and pidfile (only
// those it made itself: a failed start leaves another process's socket be).

import { rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { setPriority } from 'node:os';
import { loadConfig, supervisionFor, type Config, type ConfigOverrides } from './config.js';
import type { DaemonMetrics, DaemonStatus } from './contract/daemon.js';
import { daemonMetrics } from './daemon-metrics.js';
import { reconcileConfig } from './config-changes.js';
import type { ConfigChanges, DaemonReloadSummary } from './contract/plugin-status.js';
import { formatAddress, isLoopback, parseAddress } from './address.js';
import { Metrics } from './metrics.js';
import { MIN_TOKEN_LENGTH, readToken, TokenSource, tokenFileWarning, tokenPath } from './token.js';
import { createHooks, type CoreHooks } from './hooks.js';
import { openLog, type DaemonLog } from './log.js';
import { version } from './package-root.js';
import { checkSocketPath, homePaths, resolveHome, type HomePaths } from './paths.js';
import { prepareHome } from './home.js';
import { tlsOptions } from './tls-files.js';
import { acquirePidfile, releasePidfile, replacePidfile } from './pidfile.js';
import { installSignalBridge } from './signals.js';
import { PluginHost, type RescanSummary } from './host/plugin-host.js';
import { registerBuiltins } from './rpc/builtins.js';
import { registerCompatAliases } from './rpc/builtins-compat.js';
import { registerSystemExtras } from './rpc/builtins-system.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { RpcListener } from './rpc/listener.js';
import { defineMethod, MethodRegistry, type MethodDefinition, type DaemonMethodHandler } from './rpc/registry.js';
import { removeStaleSocket } from './rpc/socket-file.js';
import { createDashboard } from './dashboard/dashboard-http.js';
import { EventFeed } from './dashboard/event-feed.js';
import { statusText, systemdNotifier, type SystemdNotifier } from './sd-notify.js';
import { takeInheritedListeners, type InheritedListeners, type ListenerName } from './listen-fds.js';
import { startSuccessor, upgradeFailed, type SuccessorServing } from './upgrade/predecessor.js';
import { Succession, takeSuccessorBrief } from './upgrade/successor.js';
import type { UpgradeOutcome, UpgradeRequest } from './rpc/builtins-daemon.js';

export interface DaemonOptions extends ConfigOverrides {
  /** `plugd dev`: one plugin loaded from this path and reloaded on every change to it. */
  develop?: string;
  /** Also log to stdout (foreground mode). */
  logToStdout?: boolean;
}

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
  /** The dashboard's live figures, events and log lines (served with the TCP listener). */
  /** The TCP listener's HOST:PORT, once it listens. */
  private readonly tcpText = () => this.tcpAddress && formatAddress(this.tcpAddress);
  readonly feed = new EventFeed(() => this.metrics());
  config!: Config;
  paths!: HomePaths;
  log!: DaemonLog;
  host!: PluginHost;
  private readonly listeners: RpcListener[] = [];
  private prometheus: HttpServer | undefined;
  /** Where the TCP listener listens, once it does. */
  tcpAddress: { host: string; port: number } | undefined;
  /** What start printed as warnings (also logged): `plugd start` shows them on the terminal. */
  readonly warnings: string[] = [];
  private removeSignalBridge: (() => void) | undefined;
  /** Only a socket this daemon bound, and a pidfile it wrote, are removed on the way out. */
  private ownsSocket = false;
  private ownsPidfile = false;
  private startedAt = 0;
  /** What systemd is told (silent outside systemd). */
  private systemd: SystemdNotifier | undefined;
  /** Listening sockets handed to this process (socket activation), served instead of binding. */
  private inherited: InheritedListeners | undefined;
  /** Set when this daemon is an upgrade's successor, until it has taken over. */
  private succession: Succession | undefined;
  /** `daemon.status`: upgrades since the first daemon started, and the daemon this one replaced. */
  upgrades = 0;
  private upgradedFrom: { pid: number; version: string } | undefined;
  private upgrading = false;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves when the daemon has stopped. */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: DaemonOptions = {}) {}

  /** Starts the daemon; resolves when it serves and every plugin has loaded or failed. */
  async start(): Promise<RescanSummary> {
    const brief = takeSuccessorBrief();
    if (!brief) return this.boot();
    // A successor runs as the old daemon ran: its home, its command line.
    Object.assign(this.options, brief.options, { home: brief.home });
    this.succession = new Succession(brief);
    this.upgradedFrom = brief.from;
    this.upgrades = brief.upgrades + 1;
    try {
      return await this.boot();
    } catch (error) {
      await this.succession?.failed(error);
      throw error;
    }
  }

  private async boot(): Promise<RescanSummary> {
    const home = resolveHome(this.options.home);
    prepareHome(home);
    this.config = loadConfig({ ...this.options, home });
    this.paths = homePaths(this.config.home);
    checkSocketPath(this.paths.socket);
    this.log = openLog({
      path: this.paths.log,
      stdout: this.options.logToStdout ?? false,
      level: this.config.logLevel,
      pluginLinesPerSecond: this.config.limits.pluginLogLinesPerSecond,
      tap: this.config.tcp ? (line) => this.feed.logLine(line) : undefined,
    });
    this.systemd = systemdNotifier((message) => this.log.logger.warn(message));
    try {
      this.inherited = takeInheritedListeners(process.env, Boolean(this.succession));
      // A successor takes the pidfile once it serves (takeOver).
      if (!this.succession) {
        await acquirePidfile(this.paths.pidfile, this.paths.socket);
        this.ownsPidfile = true;
      }
      this.applyNiceness();
      // A passed socket is live, and not ours to remove.
      if (this.inherited?.unix === undefined) await removeStaleSocket(this.paths.socket);
      this.host = new PluginHost({ config: this.config, registry: this.registry, hooks: this.hooks, log: this.log });
      registerBuiltins(this.registry, this);
      registerSystemExtras(this.registry, this.dispatcher);
      registerCompatAliases(this.registry);
      this.tapCoreHooks();
      if (!this.succession) await this.listen();
      this.removeSignalBridge = installSignalBridge(this.hooks);
      this.startedAt = Date.now();
      await this.hooks.start.promise();
      const summary = await this.host.start();
      if (this.options.develop) await this.host.develop(this.options.develop);
      await this.hooks.ready.promise();
      if (this.succession) await this.takeOver(this.succession);
      this.log.logger.info(
        { socket: this.paths.socket, plugins: summary.loaded, failed: summary.failed },
        `plugd ${version} ready on ${this.paths.socket}`,
      );
      // The pidfile names this process before systemd is told it is the main one.
      this.systemd.send({ ...(this.upgradedFrom && { MAINPID: process.pid }), READY: 1, STATUS: this.systemdStatus() });
      this.systemd.startWatchdog();
      return summary;
    } catch (error) {
      await this.release(0);
      throw error;
    }
  }

  status(): DaemonStatus {
    const memory = process.memoryUsage();
    const plugins = this.host.list();
    return {
      pid: process.pid,
      version,
      node: process.version,
      uptime: (Date.now() - this.startedAt) / 1000,
      startedAt: new Date(this.startedAt).toISOString(),
      upgradedFrom: this.upgradedFrom,
      upgrades: this.upgrades,
      home: this.paths.home,
      socket: this.paths.socket,
      pluginDir: this.config.pluginDir,
      watch: this.config.watch,
      plugins: plugins.length,
      pluginsReady: plugins.filter((plugin) => plugin.state === 'ready').length,
      pluginsIdle: plugins.filter((plugin) => plugin.state === 'idle').length,
      skipped: this.host.skipped(),
      methods: this.registry.size,
      connections: this.listeners.reduce((sum, listener) => sum + listener.connectionCount, 0),
      tcp: this.tcpText(),
      tcpTls: Boolean(this.config.tcpTls),
      metrics: this.metricsAddress(),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
    };
  }

  metrics(): DaemonMetrics {
    const { config } = this;
    return daemonMetrics({
      daemon: { version, socket: this.paths.socket, pluginDir: config.pluginDir },
      startedAt: this.startedAt,
      calls: this.callStats,
      plugins: this.host.list(),
      crashWindowMs: (plugin) => supervisionFor(config, plugin).restart.windowMs,
    });
  }

  /** The folders `plugins.load` may load from: the plugin folder and `loadPaths`. */
  get loadRoots(): string[] {
    return [this.config.pluginDir, ...this.config.loadPaths];
  }

  /** Where Prometheus scrapes, once the endpoint listens (`--metrics`; port 0 picks one). */
  private metricsAddress(): string | undefined {
    const address = this.prometheus?.address();
    return address && typeof address === 'object' ? `${address.address}:${address.port}` : undefined;
  }

  /**
   * SIGHUP, `daemon.reload`: reopen the log, re-read `plugd.json` (an invalid
   * one changes nothing and is thrown), then rescan, which reloads each plugin
   * whose code or settings changed.
   */
  async reload(source: 'signal' | 'rpc', force = false): Promise<DaemonReloadSummary> {
    this.log.reopen();
    // systemd wants the monotonic clock beside RELOADING=1 (CLOCK_MONOTONIC, as process.hrtime reads it).
    this.systemd?.send({ RELOADING: 1, MONOTONIC_USEC: String(process.hrtime.bigint() / 1000n) });
    try {
      const config = await this.rereadConfig();
      await this.hooks.reload.promise({ source });
      return { ...(await this.host.rescan(force)), config };
    } finally {
      this.systemd?.send({ READY: 1, STATUS: this.systemdStatus() });
    }
  }

  /** Applies what changed in `plugd.json` that can change in place; names what needs a restart. */
  private async rereadConfig(): Promise<ConfigChanges> {
    let next: Config;
    try {
      next = loadConfig({ ...this.options, home: this.config.home });
    } catch (error) {
      throw new Error(`plugd.json not applied, nothing changed: ${(error as Error).message}`);
    }
    const { config, changes } = reconcileConfig(this.config, next);
    this.config = config;
    this.log.logger.level = config.logLevel;
    this.log.setPluginLinesPerSecond(config.limits.pluginLogLinesPerSecond);
    await this.host.reconfigure(config);
    if (changes.applied.length)
      this.log.logger.info({ applied: changes.applied }, `plugd.json: applied ${changes.applied.join(', ')}`);
    if (changes.needsRestart.length) {
      this.log.logger.warn(
        { needsRestart: changes.needsRestart },
        `plugd.json: ${changes.needsRestart.join(', ')} changed: needs a restart (plugd restart) to take effect`,
      );
    }
    return changes;
  }

  /** STATUS= for systemd: how many plugins serve, how many failed. */
  private systemdStatus(): string {
    const plugins = this.host.list();
    return statusText(
      plugins.filter((plugin) => plugin.state === 'ready').length,
      plugins.filter((plugin) => plugin.state === 'failed').length,
    );
  }

  /**
   * `plugd upgrade`: a successor takes the listening sockets (upgrade/); once
   * it serves, this daemon drains its connections and stops, leaving the
   * socket and pidfile to it. If it fails, this daemon serves on.
   */
  async upgrade(request: UpgradeRequest): Promise<UpgradeOutcome> {
    if (this.upgrading || this.stopping)
      throw upgradeFailed('start', this.stopping ? 'the daemon is stopping' : 'another upgrade is under way');
    this.upgrading = true;
    try {
      const succession = await startSuccessor(
        {
          version,
          config: this.config,
          options: this.options,
          upgrades: this.upgrades,
          host: this.host,
          registry: this.registry,
          logger: this.log.logger,
          handedListeners: () => this.handedListeners(),
        },
        request,
      );
      this.log.logger.info(
        { successor: succession.outcome.pid },
        `upgraded: plugd ${version} pid ${succession.outcome.pid} serves; draining`,
      );
      setImmediate(() => void this.drainAfterUpgrade(succession));
      return succession.outcome;
    } catch (error) {
      this.upgrading = false;
      throw error;
    }
  }

  /** The listening sockets an upgrade passes on, in the order of their descriptors. */
  private handedListeners(): { names: ListenerName[]; fds: number[]; ownsSocket: boolean } {
    const [unix, tcp] = this.listeners;
    const names: ListenerName[] = ['unix'];
    const fds = [unix.fd];
    if (tcp) {
      names.push('tcp');
      fds.push(tcp.fd);
    }
    const metrics = (this.prometheus as unknown as { _handle?: { fd: number } } | undefined)?._handle;
    if (metrics) {
      names.push('metrics');
      fds.push(metrics.fd);
    }
    return { names, fds, ownsSocket: this.ownsSocket };
  }

  /** The old daemon's way out after an upgrade: the socket and pidfile are the successor's now. */
  private async drainAfterUpgrade(succession: SuccessorServing): Promise<void> {
    this.ownsSocket = false;
    this.ownsPidfile = false;
    // systemd follows the successor (MAINPID=): this daemon's stop is not the service's.
    this.systemd?.stop();
    this.systemd = undefined;
    this.feed.endStreams();
    this.prometheus?.close();
    await Promise.all(this.listeners.map((listener) => listener.drain(this.config.upgrade.drainTimeoutMs)));
    succession.release();
    await this.stop(`upgraded to pid ${succession.outcome.pid}`);
  }

  /** A successor's step from loaded to serving: the state, the sockets, the pidfile. */
  private async takeOver(succession: Succession): Promise<void> {
    const { brief } = succession;
    await succession.takeOver(
      {
        host: this.host,
        dispatcher: this.dispatcher,
        listen: () => this.listen(),
        takePidfile: () => {
          replacePidfile(this.paths.pidfile);
          this.ownsPidfile = true;
          this.ownsSocket = brief.ownsSocket;
        },
      },
      this.config.supervision.snapshotTimeoutMs,
    );
    this.succession = undefined;
    this.log.logger.info(
      { from: brief.from },
      `took over from plugd ${brief.from.version} pid ${brief.from.pid} (upgrade ${this.upgrades})`,
    );
  }

  requestStop(reason: string): void {
    setImmediate(() => void this.stop(reason));
  }

  /** Graceful stop; safe to call more than once. */
  stop(reason = 'stop'): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    this.log.logger.info({ reason }, 'stopping');
    this.systemd?.send({ STOPPING: 1 });
    this.systemd?.stop();
    await this.release(this.config.supervision.drainTimeoutMs);
    this.log.logger.info('stopped');
    this.log.flush();
    this.resolveStopped();
  }

  /**
   * Gives back everything `start` took, in reverse: listeners (answering calls
   * in flight for up to `drainMs`), the shutdown hook, plugins, socket, pidfile.
   */
  private async release(drainMs: number): Promise<void> {
    this.prometheus?.close();
    await Promise.all(this.listeners.map((listener) => listener.close(drainMs)));
    try {
      await this.hooks.shutdown.promise();
    } catch (error) {
      this.log.logger.error({ err: error }, 'a shutdown tap failed');
    }
    await this.host?.stop();
    this.callStats.close();
    this.removeSignalBridge?.();
    if (this.ownsSocket) rmSync(this.paths.socket, { force: true });
    if (this.ownsPidfile) releasePidfile(this.paths.pidfile);
    this.log.flush();
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.log.logger.warn(message);
  }

  private async listen(): Promise<void> {
    const { limits, tcp, metrics, tcpTls } = this.config;
    const inherited = this.inherited ?? {};
    const unix = new RpcListener(this.dispatcher, { transport: 'unix', limits });
    this.listeners.push(unix);
    if (inherited.unix !== undefined) {
      await unix.listenFd(inherited.unix);
    } else {
      await unix.listenUnix(this.paths.socket);
      this.ownsSocket = true;
    }
    if (tcp || inherited.tcp !== undefined) {
      // A passed TCP socket is where the service manager put it; a configured address is checked first.
      const { host, port } = tcp ? this.allowedAddress(tcp, 'listen on') : { host: '', port: 0 };
      if (tcp && !isLoopback(host) && !tcpTls) {
        this.warn(
          `the TCP listener on ${tcp} is reachable from other machines without TLS: the token crosses the network in clear (set tcpTls)`,
        );
      }
      const token = new TokenSource(this.paths.home, (problem) => this.log.logger.error(problem));
      const front = createDashboard({
        address: () => this.tcpAddress,
        token: () => token.current(),
        feed: this.feed,
        tls: Boolean(tcpTls),
        sessionIdleMs: this.config.dashboard.sessionIdleMs,
      });
      const listener = new RpcListener(this.dispatcher, {
        transport: 'tcp',
        limits,
        token: () => token.current(),
        tls: tcpTls && tlsOptions(tcpTls),
        front,
        warn: (message) => this.log.logger.warn(message),
      });
      this.checkToken(tcp ?? 'a passed TCP socket');
      this.feed.start(this.hooks);
      this.listeners.push(listener);
      if (inherited.tcp !== undefined) {
        await listener.listenFd(inherited.tcp);
        this.tcpAddress = listener.tcpAddress;
      } else {
        this.tcpAddress = await listener.listenTcp(host, port);
      }
    }
    if (metrics || inherited.metrics !== undefined) {
      const { host, port } =
        metrics && inherited.metrics === undefined
          ? this.allowedAddress(metrics, 'serve metrics on')
          : { host: '', port: 0 };
      // prom-client is loaded only by daemons that export metrics.
      const { createPrometheusExport, servePrometheus } = await import('./prometheus.js');
      this.prometheus = await servePrometheus(
        createPrometheusExport(() => this.metrics()),
        host,
        port,
        inherited.metrics,
      );
    }
  }

  /** A non-loopback address needs `tcpAllowRemote` (`--tcp-allow-remote`), for the listener and the metrics alike. */
  private allowedAddress(address: string, what: string): { host: string; port: number } {
    const parsed = parseAddress(address);
    if (!isLoopback(parsed.host) && !this.config.tcpAllowRemote) {
      throw new Error(`refusing to ${what} ${address}: not a loopback address (allow it with --tcp-allow-remote)`);
    }
    return parsed;
  }

  /** The token is made now, so a client can read it as soon as the daemon is up; a short one is refused. */
  private checkToken(tcp: string): void {
    const token = readToken(this.paths.home);
    const path = tokenPath(this.paths.home);
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `refusing to listen on ${tcp}: the token in ${path} has ${token.length} characters, at least ${MIN_TOKEN_LENGTH} needed (plugd token --rotate makes one)`,
      );
    }
    const warning = tokenFileWarning(this.paths.home);
    if (warning) this.warn(warning);
  }

  /** `niceness` (or `--nice`): lower the daemon's priority, or raise it where allowed. */
  private applyNiceness(): void {
    const { niceness } = this.config;
    if (niceness === undefined) return;
    try {
      setPriority(niceness);
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'EACCES'
          ? 'permission denied (only root may raise priority)'
          : (error as Error).message;
      throw new Error(`cannot set niceness to ${niceness}: ${reason}`);
    }
  }

  /** The core's own behaviour, expressed as taps like any extension. */
  private tapCoreHooks(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      this.hooks.signal.for(signal).tap('plugd:stop', () => void this.stop(signal));
    }
    this.hooks.signal.for('SIGHUP').tap('plugd:reload', () => {
      // An invalid plugd.json is logged here, and the daemon runs on as it was.
      this.reload('signal').then(
        (summary) => this.log.logger.info({ summary }, 'reloaded on SIGHUP'),
        (error) => this.log.logger.error({ err: error }, `reload on SIGHUP failed: ${(error as Error).message}`),
      );
    });
  }
}

export function createDaemon(options: DaemonOptions = {}): Daemon {
  return new Daemon(options);
}
