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
import { formatAddress, isLoopback, parseAddress } from './address.js';
import { Metrics } from './metrics.js';
import { MIN_TOKEN_LENGTH, readToken, TokenSource, tokenFileWarning, tokenPath } from './token.js';
import { createHooks, type CoreHooks } from './hooks.js';
import { openLog, type DaemonLog } from './log.js';
import { version } from './package-root.js';
import { checkSocketPath, homePaths, resolveHome, type HomePaths } from './paths.js';
import { prepareHome } from './home.js';
import { tlsOptions } from './tls-files.js';
import { acquirePidfile, releasePidfile } from './pidfile.js';
import { installSignalBridge } from './signals.js';
import { PluginHost, type RescanSummary } from './host/plugin-host.js';
import { registerBuiltins } from './rpc/builtins.js';
import { registerCompatAliases } from './rpc/builtins-compat.js';
import { registerSystemExtras } from './rpc/builtins-system.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { RpcListener } from './rpc/listener.js';
import { defineMethod, MethodRegistry, type MethodDefinition, type MethodHandler } from './rpc/registry.js';
import { removeStaleSocket } from './rpc/socket-file.js';
import { createDashboard } from './dashboard/dashboard-http.js';
import { EventFeed } from './dashboard/event-feed.js';

export interface DaemonOptions extends ConfigOverrides {
  /** `plugd dev`: one plugin loaded from this path and reloaded on every change to it. */
  develop?: string;
  /** Also log to stdout (foreground mode). */
  logToStdout?: boolean;
  logLevel?: string;
}

export class Daemon {
  readonly hooks: CoreHooks = createHooks();
  readonly registry = new MethodRegistry();
  readonly callStats = new Metrics();
  readonly dispatcher = new Dispatcher(this.registry, this.hooks, this.callStats);
  /** In-core methods, served on the main thread (library use). */
  readonly rpc = {
    method: (name: string, definition: MethodDefinition, handler: MethodHandler) =>
      this.registry.add(defineMethod(name, 'app', definition, handler)),
  };
  readonly version = version;
  /** The dashboard's live figures, events and log lines (served with the TCP listener). */
  /** The TCP listener's HOST:PORT, once it listens. */
  private readonly tcpText = () => this.tcpAddress && formatAddress(this.tcpAddress);
  readonly feed = new EventFeed({ metrics: () => this.metrics(), plugins: () => this.host.list(), tcp: this.tcpText });
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
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves when the daemon has stopped. */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: DaemonOptions = {}) {}

  /** Starts the daemon; resolves when it serves and every plugin has loaded or failed. */
  async start(): Promise<RescanSummary> {
    const home = resolveHome(this.options.home);
    prepareHome(home);
    this.config = loadConfig({ ...this.options, home });
    this.paths = homePaths(this.config.home);
    checkSocketPath(this.paths.socket);
    this.log = openLog({
      path: this.paths.log,
      stdout: this.options.logToStdout ?? false,
      level: this.options.logLevel,
      pluginLinesPerSecond: this.config.limits.pluginLogLinesPerSecond,
      tap: this.config.tcp ? (line) => this.feed.logLine(line) : undefined,
    });
    try {
      await acquirePidfile(this.paths.pidfile, this.paths.socket);
      this.ownsPidfile = true;
      this.applyNiceness();
      await removeStaleSocket(this.paths.socket);
      this.host = new PluginHost({ config: this.config, registry: this.registry, hooks: this.hooks, log: this.log });
      registerBuiltins(this.registry, this);
      registerSystemExtras(this.registry, this.dispatcher);
      registerCompatAliases(this.registry);
      this.tapCoreHooks();
      await this.listen();
      this.removeSignalBridge = installSignalBridge(this.hooks);
      this.startedAt = Date.now();
      await this.hooks.start.promise();
      const summary = await this.host.start();
      if (this.options.develop) await this.host.develop(this.options.develop);
      await this.hooks.ready.promise();
      this.log.logger.info(
        { socket: this.paths.socket, plugins: summary.loaded, failed: summary.failed },
        `plugd ${version} ready on ${this.paths.socket}`,
      );
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

  async reload(source: 'signal' | 'rpc'): Promise<RescanSummary> {
    this.log.reopen();
    await this.hooks.reload.promise({ source });
    return this.host.rescan(false);
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
    const unix = new RpcListener(this.dispatcher, { transport: 'unix', limits });
    this.listeners.push(unix);
    await unix.listenUnix(this.paths.socket);
    this.ownsSocket = true;
    if (tcp) {
      const { host, port } = this.allowedAddress(tcp, 'listen on');
      if (!isLoopback(host) && !tcpTls) {
        this.warn(`the TCP listener on ${tcp} is reachable from other machines without TLS: the token crosses the network in clear (set tcpTls)`);
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
      this.checkToken(tcp);
      this.feed.start(this.hooks);
      this.listeners.push(listener);
      this.tcpAddress = await listener.listenTcp(host, port);
    }
    if (metrics) {
      const { host, port } = this.allowedAddress(metrics, 'serve metrics on');
      // prom-client is loaded only by daemons that export metrics.
      const { createPrometheusExport, servePrometheus } = await import('./prometheus.js');
      this.prometheus = await servePrometheus(createPrometheusExport(this.callStats, this.host), host, port);
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
      throw new Error(`refusing to listen on ${tcp}: the token in ${path} has ${token.length} characters, at least ${MIN_TOKEN_LENGTH} needed (plugd token --rotate makes one)`);
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
      const reason = (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied (only root may raise priority)' : (error as Error).message;
      throw new Error(`cannot set niceness to ${niceness}: ${reason}`);
    }
  }

  /** The core's own behaviour, expressed as taps like any extension. */
  private tapCoreHooks(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      this.hooks.signal.for(signal).tap('plugd:stop', () => void this.stop(signal));
    }
    this.hooks.signal.for('SIGHUP').tap('plugd:reload', () => {
      this.reload('signal').then(
        (summary) => this.log.logger.info({ summary }, 'reloaded on SIGHUP'),
        (error) => this.log.logger.error({ err: error }, 'reload on SIGHUP failed'),
      );
    });
  }
}

export function createDaemon(options: DaemonOptions = {}): Daemon {
  return new Daemon(options);
}
