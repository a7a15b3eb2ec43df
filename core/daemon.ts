// The daemon's lifecycle: config → home → pidfile → socket → signal bridge →
// plugins → ready; and the graceful way back: stop accepting, drain in-flight
// calls, run the shutdown hook, stop plugins, remove socket and pidfile.

import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { loadConfig, type Config, type ConfigOverrides } from './config.js';
import { createHooks, type CoreHooks } from './hooks.js';
import { openLog, type DaemonLog } from './log.js';
import { version } from './package-root.js';
import { homePaths, type HomePaths } from './paths.js';
import { acquirePidfile, releasePidfile } from './pidfile.js';
import { installSignalBridge } from './signals.js';
import { PluginHost, type RescanSummary } from './host/host.js';
import { registerBuiltins } from './rpc/builtins.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { defineMethod, MethodRegistry, type MethodDefinition, type MethodHandler } from './rpc/registry.js';
import { SocketServer } from './rpc/socket-server.js';
import { removeStaleSocket } from './rpc/socket-file.js';

export interface DaemonOptions extends ConfigOverrides {
  /** Also log to stdout (foreground mode). */
  logToStdout?: boolean;
  logLevel?: string;
}

export class Daemon {
  readonly hooks: CoreHooks = createHooks();
  readonly registry = new MethodRegistry();
  readonly dispatcher = new Dispatcher(this.registry, this.hooks);
  /** In-core methods, served on the main thread (library use). */
  readonly rpc = {
    method: (name: string, definition: MethodDefinition, handler: MethodHandler) =>
      this.registry.add(defineMethod(name, 'app', definition, handler)),
  };
  readonly version = version;
  config!: Config;
  paths!: HomePaths;
  log!: DaemonLog;
  host!: PluginHost;
  private server: SocketServer | undefined;
  private removeSignalBridge: (() => void) | undefined;
  private startedAt = 0;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves when the daemon has stopped. */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: DaemonOptions = {}) {}

  /** Starts the daemon; resolves when it serves and every plugin has loaded or failed. */
  async start(): Promise<RescanSummary> {
    this.config = loadConfig(this.options);
    this.paths = homePaths(this.config.home);
    mkdirSync(this.paths.home, { recursive: true, mode: 0o700 });
    chmodSync(this.paths.home, 0o700);
    this.log = openLog({ path: this.paths.log, stdout: this.options.logToStdout ?? false, level: this.options.logLevel });
    acquirePidfile(this.paths.pidfile);
    try {
      await removeStaleSocket(this.paths.socket);
      this.host = new PluginHost({ config: this.config, registry: this.registry, hooks: this.hooks, log: this.log });
      registerBuiltins(this.registry, this);
      this.tapCoreHooks();
      this.server = new SocketServer(this.dispatcher, { transport: 'unix' });
      await this.server.listenUnix(this.paths.socket);
      this.removeSignalBridge = installSignalBridge(this.hooks);
      this.startedAt = Date.now();
      await this.hooks.start.promise();
      const summary = await this.host.start();
      await this.hooks.ready.promise();
      this.log.logger.info(
        { socket: this.paths.socket, plugins: summary.loaded, failed: summary.failed },
        `plugd ${version} ready on ${this.paths.socket}`,
      );
      return summary;
    } catch (error) {
      await this.cleanUp();
      throw error;
    }
  }

  status(): Record<string, unknown> {
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
      methods: this.registry.list().length,
      connections: this.server?.connectionCount ?? 0,
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
    };
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
    await this.server?.close(this.config.supervision.drainTimeoutMs);
    try {
      await this.hooks.shutdown.promise();
    } catch (error) {
      this.log.logger.error({ err: error }, 'a shutdown tap failed');
    }
    await this.host.stop();
    await this.cleanUp();
    this.log.logger.info('stopped');
    this.log.flush();
    this.resolveStopped();
  }

  private async cleanUp(): Promise<void> {
    this.removeSignalBridge?.();
    rmSync(this.paths.socket, { force: true });
    releasePidfile(this.paths.pidfile);
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
