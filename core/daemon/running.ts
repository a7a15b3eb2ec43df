// What a daemon holds once `start()` has read its config (nothing of it exists
// before), how it is opened, and the answers read from it: `daemon.status`, `daemon.metrics`
// and systemd's STATUS= line.

import { loadConfig, supervisionFor, type Config, type ConfigOverrides } from '../config/config.js';
import type { DaemonMetrics, DaemonStatus } from '../contract/daemon.js';
import { daemonMetrics } from '../observe/daemon-metrics.js';
import { DaemonListeners } from './listeners.js';
import { prepareHome } from '../home/home.js';
import { Lifecycle } from './lifecycle.js';
import { openLog, type DaemonLog } from '../observe/log.js';
import type { Metrics } from '../observe/metrics.js';
import { version } from '../package-root.js';
import { checkSocketPath, homePaths, resolveHome, type HomePaths } from '../home/paths.js';
import { statusText } from '../home/sd-notify.js';
import type { CoreHooks } from '../hooks.js';
import type { InheritedListeners } from '../home/listen-fds.js';
import { PluginHost } from '../host/plugin-host.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import type { MethodRegistry } from '../rpc/registry.js';

export interface DaemonOptions extends ConfigOverrides {
  /** `plugd dev`: one plugin loaded from this path and reloaded on every change to it. */
  develop?: string;
  /** Also log to stdout (foreground mode). */
  logToStdout?: boolean;
}

export interface Running {
  /** Replaced when a reload applies a changed plugd.json. */
  config: Config;
  readonly paths: HomePaths;
  readonly log: DaemonLog;
  readonly host: PluginHost;
  readonly listeners: DaemonListeners;
  /** The closes of the parts started so far; a close receives how long listeners may drain. */
  readonly parts: Lifecycle<number>;
  startedAt: number;
}

/** What `daemon.status` says besides the running parts. */
export interface StatusExtras {
  upgrades: number;
  upgradedFrom: { pid: number; version: string } | undefined;
  methods: number;
}

export function runningStatus(running: Running, extras: StatusExtras): DaemonStatus {
  const { config, paths, host, listeners, startedAt } = running;
  const memory = process.memoryUsage();
  const plugins = host.list();
  return {
    pid: process.pid,
    version,
    node: process.version,
    uptime: (Date.now() - startedAt) / 1000,
    startedAt: new Date(startedAt).toISOString(),
    upgradedFrom: extras.upgradedFrom,
    upgrades: extras.upgrades,
    home: paths.home,
    socket: paths.socket,
    pluginDir: config.pluginDir,
    watch: config.watch,
    plugins: plugins.length,
    pluginsReady: plugins.filter((plugin) => plugin.state === 'ready').length,
    pluginsIdle: plugins.filter((plugin) => plugin.state === 'idle').length,
    skipped: host.skipped(),
    methods: extras.methods,
    connections: listeners.connectionCount,
    tcp: listeners.tcpText(),
    tcpTls: Boolean(config.tcpTls),
    metrics: listeners.metricsText(),
    memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
  };
}

export function runningMetrics({ config, paths, host, startedAt }: Running, calls: Metrics): DaemonMetrics {
  return daemonMetrics({
    daemon: { version, socket: paths.socket, pluginDir: config.pluginDir },
    startedAt,
    calls,
    plugins: host.list(),
    crashWindowMs: (plugin) => supervisionFor(config, plugin).restart.windowMs,
  });
}

/** The folders `plugins.load` may load from, as plugd.json says now: the plugin folder and `loadPaths`. */
export function loadRoots({ config }: Running): string[] {
  return [config.pluginDir, ...config.loadPaths];
}

/** STATUS= for systemd: how many plugins serve, how many failed. */
export function systemdStatus({ host }: Running): string {
  const plugins = host.list();
  return statusText(
    plugins.filter((plugin) => plugin.state === 'ready').length,
    plugins.filter((plugin) => plugin.state === 'failed').length,
  );
}

/** The home, config and log of a daemon about to start, and the lifecycle its parts register their closes with. */
export function openHome(
  options: DaemonOptions,
  logLine: (line: string) => void,
): Pick<Running, 'config' | 'paths' | 'log' | 'parts'> {
  const home = resolveHome(options.home);
  prepareHome(home);
  const config = loadConfig({ ...options, home });
  const paths = homePaths(config.home);
  checkSocketPath(paths.socket);
  const log = openLog({
    path: paths.log,
    stdout: options.logToStdout ?? false,
    level: config.logLevel,
    pluginLinesPerSecond: config.limits.pluginLogLinesPerSecond,
    // The dashboard's feed shows the log's lines (it runs with the TCP listener only).
    tap: config.tcp ? logLine : undefined,
  });
  const parts = new Lifecycle<number>((part, error) =>
    log.logger.error({ err: error, part }, `stopping ${part} failed: ${(error as Error).message}`),
  );
  parts.onClose('log', () => log.flush());
  return { config, paths, log, parts };
}

/** What the plugin host and the listeners share with the daemon that runs them. */
export interface DaemonCore {
  readonly hooks: CoreHooks;
  readonly registry: MethodRegistry;
  readonly dispatcher: Dispatcher;
  readonly callStats: Metrics;
  metrics(): DaemonMetrics;
  /** A warning start shows on the terminal too. */
  warn(message: string): void;
}

/** The plugin host and the listeners, made (not started) for an opened home. */
export function runningParts(
  opened: Pick<Running, 'config' | 'paths' | 'log' | 'parts'>,
  inherited: InheritedListeners,
  core: DaemonCore,
): Running {
  const { config, paths, log } = opened;
  const { hooks, registry, dispatcher } = core;
  const host = new PluginHost({ config, registry, hooks, log });
  const listeners = new DaemonListeners({
    config,
    paths,
    dispatcher,
    hooks,
    logger: log.logger,
    inherited,
    metrics: () => core.metrics(),
    warn: (message) => core.warn(message),
  });
  return { ...opened, host, listeners, startedAt: Date.now() };
}
