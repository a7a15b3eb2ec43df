// Where the daemon is reached: the unix socket, the TCP listener with its
// dashboard and event feed (built only when TCP is on), and the Prometheus
// endpoint. Each listens on the socket handed to it (socket activation, an
// upgrade) or binds its own; only a socket path it bound is its to remove.

import { rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { DaemonMetrics } from '../contract/daemon.js';
import { formatAddress, isLoopback, parseAddress } from '../contract/address.js';
import { ConfigError, TokenError } from '../contract/errors.js';
import type { CoreHooks } from '../hooks.js';
import type { InheritedListeners, ListenerName } from '../home/listen-fds.js';
import type { HomePaths } from '../home/paths.js';
import { MIN_TOKEN_LENGTH, readToken, TokenSource, tokenFileWarning, tokenPath } from '../trust/token.js';
import { tlsOptions } from '../trust/tls-files.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import { RpcListener } from '../rpc/listener.js';
import { createDashboard } from '../dashboard/dashboard-http.js';
import { EventFeed } from '../dashboard/event-feed.js';

/** What the listeners need of the daemon. */
export interface ListenerDependencies {
  config: Config;
  paths: HomePaths;
  dispatcher: Dispatcher;
  hooks: CoreHooks;
  logger: Logger;
  /** The sockets handed to this process (socket activation), served instead of binding. */
  inherited: InheritedListeners;
  /** The daemon's figures, for the dashboard's feed and Prometheus. */
  metrics(): DaemonMetrics;
  /** A warning start shows on the terminal too. */
  warn(message: string): void;
}

export class DaemonListeners {
  private readonly rpc: RpcListener[] = [];
  private prometheus: HttpServer | undefined;
  /** Where the TCP listener listens, once it does. */
  private tcpAddress: { host: string; port: number } | undefined;
  /** The dashboard's live figures, events and log lines: only with a TCP listener. */
  private feed: EventFeed | undefined;
  /** Only a socket this daemon bound is removed on the way out (an upgrade passes it on). */
  ownsSocket = false;

  constructor(private readonly deps: ListenerDependencies) {}

  /** The TCP listener's HOST:PORT (IPv6 in brackets), once it listens. */
  tcpText(): string | undefined {
    return this.tcpAddress && formatAddress(this.tcpAddress);
  }

  /** Where Prometheus scrapes, once the endpoint listens (`--metrics`; port 0 picks one). */
  metricsText(): string | undefined {
    const address = this.prometheus?.address();
    return address && typeof address === 'object' ? `${address.address}:${address.port}` : undefined;
  }

  get connectionCount(): number {
    return this.rpc.reduce((sum, listener) => sum + listener.connectionCount, 0);
  }

  /** A line of the daemon's log, for the dashboard (nothing without one). */
  logLine(line: string): void {
    this.feed?.logLine(line);
  }

  async listen(): Promise<void> {
    const { config, paths, dispatcher, inherited } = this.deps;
    const unix = new RpcListener(dispatcher, { transport: 'unix', limits: config.limits });
    this.rpc.push(unix);
    if (inherited.unix !== undefined) {
      await unix.listenFd(inherited.unix);
    } else {
      await unix.listenUnix(paths.socket);
      this.ownsSocket = true;
    }
    if (config.tcp || inherited.tcp !== undefined) await this.listenTcp();
    if (config.metrics || inherited.metrics !== undefined) await this.serveMetrics();
  }

  private async listenTcp(): Promise<void> {
    const { config, paths, dispatcher, inherited, hooks, logger } = this.deps;
    const { tcp, tcpTls, limits } = config;
    // A passed TCP socket is where the service manager put it; a configured address is checked first.
    const { host, port } = tcp ? this.allowedAddress(tcp, 'listen on') : { host: '', port: 0 };
    if (tcp && !isLoopback(host) && !tcpTls) {
      this.deps.warn(
        `the TCP listener on ${tcp} is reachable from other machines without TLS: the token crosses the network in clear (set tcpTls)`,
      );
    }
    const token = new TokenSource(paths.home, (problem) => logger.error(problem));
    const feed = new EventFeed(() => this.deps.metrics());
    const front = createDashboard({
      address: () => this.tcpAddress,
      token: () => token.current(),
      feed,
      tls: Boolean(tcpTls),
      sessionIdleMs: config.dashboard.sessionIdleMs,
    });
    const listener = new RpcListener(dispatcher, {
      transport: 'tcp',
      limits,
      token: () => token.current(),
      tls: tcpTls && tlsOptions(tcpTls),
      front,
      warn: (message) => logger.warn(message),
    });
    this.checkToken(tcp ?? 'a passed TCP socket');
    this.feed = feed;
    feed.start(hooks);
    this.rpc.push(listener);
    if (inherited.tcp !== undefined) {
      await listener.listenFd(inherited.tcp);
      this.tcpAddress = listener.tcpAddress;
    } else {
      this.tcpAddress = await listener.listenTcp(host, port);
    }
  }

  private async serveMetrics(): Promise<void> {
    const { config, inherited } = this.deps;
    const { metrics } = config;
    const { host, port } =
      metrics && inherited.metrics === undefined
        ? this.allowedAddress(metrics, 'serve metrics on')
        : { host: '', port: 0 };
    // prom-client is loaded only by daemons that export metrics.
    const { createPrometheusExport, servePrometheus } = await import('../observe/prometheus.js');
    this.prometheus = await servePrometheus(
      createPrometheusExport(() => this.deps.metrics()),
      host,
      port,
      inherited.metrics,
    );
  }

  /** A non-loopback address needs `tcpAllowRemote` (`--tcp-allow-remote`), for the listener and the metrics alike. */
  private allowedAddress(address: string, what: string): { host: string; port: number } {
    const parsed = parseAddress(address);
    if (!isLoopback(parsed.host) && !this.deps.config.tcpAllowRemote) {
      throw new ConfigError(
        `refusing to ${what} ${address}: not a loopback address (allow it with --tcp-allow-remote)`,
      );
    }
    return parsed;
  }

  /** The token is made now, so a client can read it as soon as the daemon is up; a short one is refused. */
  private checkToken(tcp: string): void {
    const { home } = this.deps.paths;
    const token = readToken(home);
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new TokenError(
        `refusing to listen on ${tcp}: the token in ${tokenPath(home)} has ${token.length} characters, at least ${MIN_TOKEN_LENGTH} needed (plugd token --rotate makes one)`,
      );
    }
    const warning = tokenFileWarning(home);
    if (warning) this.deps.warn(warning);
  }

  /** The listening sockets an upgrade passes on, in the order of their descriptors. */
  handed(): { names: ListenerName[]; fds: number[]; ownsSocket: boolean } {
    const [unix, tcp] = this.rpc;
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

  /** After an upgrade: the successor serves; connections here finish what they asked, then close. */
  async drain(drainMs: number): Promise<void> {
    this.ownsSocket = false;
    this.feed?.endStreams();
    this.prometheus?.close();
    await Promise.all(this.rpc.map((listener) => listener.drain(drainMs)));
  }

  /** Stops accepting and answers the calls in flight for up to `drainMs`. */
  async close(drainMs: number): Promise<void> {
    this.prometheus?.close();
    await Promise.all(this.rpc.map((listener) => listener.close(drainMs)));
  }

  /** Removes the socket file, if this daemon bound it (after the plugins have stopped). */
  removeSocket(): void {
    if (this.ownsSocket) rmSync(this.deps.paths.socket, { force: true });
  }
}
