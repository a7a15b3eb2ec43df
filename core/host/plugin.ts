// One plugin under supervision: its state machine, the worker serving it, and
// the rules of DESIGN.md ("Plugins and workers"):
//   discovered → loading → ready → draining → stopped
//   crashed → backoff → loading, and failed (crash-loop cap, or load error).
// Reload is blue/green: the new worker loads beside the old one and takes over
// the plugin's methods in one step; the old one drains. Load, reload, restart
// and unload of one plugin run one at a time.

import type { ChannelKind } from '../channel/transport.js';
import type { CoreToWorker, ForwardedHook, MethodSpec } from '../channel/protocol.js';
import type { Supervision } from '../config.js';
import type { CoreHooks, PluginEvent } from '../hooks.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod, type MethodRegistry } from '../rpc/registry.js';
import type { Logger } from 'pino';
import { CrashPolicy } from './backoff.js';
import { compilePlugin, pruneBuilds, type CompiledPlugin } from './compile.js';
import type { PluginSource } from './discovery.js';
import type { PluginWorker } from './plugin-worker.js';
import type { SpareWorkers } from './spare-workers.js';

export type PluginState = 'discovered' | 'loading' | 'ready' | 'draining' | 'stopped' | 'crashed' | 'backoff' | 'failed';

export interface PluginEnvironment {
  registry: MethodRegistry;
  hooks: CoreHooks;
  logger: Logger;
  writeLog(line: string): void;
  channel: ChannelKind;
  workers: SpareWorkers;
  supervision: Supervision;
  /** Calls in flight to one plugin beyond which new ones are refused (-32005). */
  maxInFlight: number;
  config: unknown;
  /** Where builds are kept: `cache/builds` in the daemon's home. */
  buildCache: string;
}

export interface PluginStatus {
  name: string;
  version?: string;
  state: PluginState;
  path: string;
  entry: string;
  methods: string[];
  threadId?: number;
  served: number;
  inFlight: number;
  restarts: number;
  reloads: number;
  /** The latest crash or load failure, kept after recovery so a crash loop stays visible. */
  lastError?: string;
  lastErrorAt?: string;
  nextRestartAt?: string;
  readySince?: string;
  paused: boolean;
  /** The serving worker's heap, in bytes. */
  heap?: { used: number; limit: number };
  /** The serving worker's event-loop utilisation (0..1). */
  eventLoopUtilization?: number;
  /** Iterations of the serving worker's `ctx.loop`s, and how many threw. */
  loops?: { iterations: number; errors: number };
}

export interface ReloadOutcome {
  name: string;
  changed: boolean;
}

export class Plugin {
  state: PluginState = 'discovered';
  /** Paused plugins keep their worker but answer -32001 at once and run no loops. */
  paused = false;
  private worker: PluginWorker | undefined;
  private build: CompiledPlugin | undefined;
  private readonly retiring = new Set<Promise<void>>();
  private readonly policy: CrashPolicy;
  private queue: Promise<unknown> = Promise.resolve();
  private backoffTimer: NodeJS.Timeout | undefined;
  private nextRestartAt: number | undefined;
  private readySince: number | undefined;
  private lastError: { message: string; at: number } | undefined;
  private restarts = 0;
  private reloads = 0;
  /** Calls served by workers that are gone. */
  private servedBefore = 0;

  constructor(
    public source: PluginSource,
    private readonly env: PluginEnvironment,
  ) {
    this.policy = new CrashPolicy(env.supervision.restart);
  }

  get name(): string {
    return this.source.name;
  }

  /** The files the serving build was made from (for the watcher). */
  get inputs(): string[] {
    return this.build?.inputs ?? [];
  }

  /** First load. A failure leaves the plugin `failed` with the reason, and is thrown. */
  load(): Promise<void> {
    return this.exclusive(async () => {
      // The worker boots while esbuild compiles: at start, ten plugins boot and compile side by side.
      const worker = this.spawn();
      const build = await this.compile().catch(async (error: unknown) => {
        await worker.terminate('load failed');
        throw error;
      });
      await this.replaceWorker(build, worker);
    });
  }

  /**
   * Blue/green reload. Unless `force`, an unchanged build is a no-op. If the
   * new version fails, the old one (if any) keeps serving and the error is thrown.
   */
  reload(options: { force?: boolean; source?: PluginSource } = {}): Promise<ReloadOutcome> {
    return this.exclusive(async () => {
      if (options.source) this.source = options.source;
      const build = await this.compile();
      if (!options.force && this.state === 'ready' && build.hash === this.build?.hash) {
        return { name: this.name, changed: false };
      }
      await this.replaceWorker(build);
      this.reloads++;
      return { name: this.name, changed: true };
    });
  }

  /** Stops serving: methods vanish, in-flight calls are drained, `onShutdown` runs. */
  unload(): Promise<void> {
    return this.exclusive(async () => {
      this.cancelBackoff();
      this.env.registry.removeOwner(this.name);
      this.state = 'draining';
      if (this.worker) this.retire(this.worker);
      this.worker = undefined;
      await Promise.all(this.retiring);
      this.state = 'stopped';
      this.env.hooks.pluginUnloaded.call(this.event());
    });
  }

  /** `plugins.pause`: calls answer -32001 at once (no queue) and loops stop, until `resume`. */
  async setPaused(paused: boolean): Promise<void> {
    this.paused = paused;
    if (this.worker?.alive) await this.worker.pause(paused, this.env.supervision.drainTimeoutMs);
  }

  call(method: MethodSpec, params: unknown): Promise<unknown> {
    const worker = this.worker;
    if (this.state !== 'ready' || !worker?.alive || this.paused) return Promise.reject(this.unavailable());
    if (worker.inFlight >= this.env.maxInFlight) {
      return Promise.reject(
        new RpcError(ErrorCode.OVERLOADED, `plugin ${this.name} is overloaded: ${worker.inFlight} calls in flight`, { plugin: this.name }),
      );
    }
    return worker.call(method.name, params, method.timeoutMs ?? this.env.supervision.callTimeoutMs);
  }

  /** Sends a signal or hook event to the serving worker, if it asked for it. */
  forward(message: CoreToWorker & ({ t: 'signal' } | { t: 'hook' })): void {
    const manifest = this.worker?.manifest;
    if (!manifest || this.state !== 'ready') return;
    const wanted =
      message.t === 'signal' ? manifest.signals.includes(message.signal) : manifest.hooks.includes(message.hook as ForwardedHook);
    if (wanted) this.worker!.send(message);
  }

  status(): PluginStatus {
    const worker = this.worker;
    return {
      name: this.name,
      version: this.source.version,
      state: this.state,
      path: this.source.path,
      entry: this.source.entry,
      methods: (worker?.manifest?.methods ?? []).map((method) => `${this.name}.${method.name}`),
      threadId: worker?.alive ? worker.threadId : undefined,
      served: this.servedBefore + (worker?.served ?? 0),
      inFlight: worker?.inFlight ?? 0,
      restarts: this.restarts,
      reloads: this.reloads,
      lastError: this.lastError?.message,
      lastErrorAt: this.lastError && new Date(this.lastError.at).toISOString(),
      nextRestartAt: this.nextRestartAt ? new Date(this.nextRestartAt).toISOString() : undefined,
      readySince: this.readySince ? new Date(this.readySince).toISOString() : undefined,
      paused: this.paused,
      loops: worker?.alive ? worker.loops : undefined,
      heap: worker?.alive ? worker.heap : undefined,
      eventLoopUtilization: worker?.alive ? worker.eventLoopUtilization : undefined,
    };
  }

  event(): PluginEvent {
    return { name: this.name, version: this.source.version, path: this.source.path };
  }

  private async compile(): Promise<CompiledPlugin> {
    try {
      return await compilePlugin(this.source.entry, this.env.buildCache);
    } catch (error) {
      throw this.loadFailed(error);
    }
  }

  /** Starts `build` in a new worker beside the current one, then switches to it. */
  private async replaceWorker(build: CompiledPlugin, next = this.spawn()): Promise<void> {
    const old = this.worker;
    if (!old) this.state = 'loading';
    try {
      await this.loadInto(next, build);
      if (old?.alive && old.manifest?.snapshot) {
        const timeout = this.env.supervision.loadTimeoutMs;
        await next.restore(await old.snapshot(timeout), timeout);
      }
    } catch (error) {
      await next.terminate('load failed');
      throw this.loadFailed(error);
    }
    this.attach(next, build);
    if (old) this.retire(old);
  }

  /** A booted worker (a spare if one waits), watched for its death. */
  private spawn(): PluginWorker {
    const { supervision } = this.env;
    const worker = this.env.workers.take({
      channel: this.env.channel,
      resourceLimits: supervision.resourceLimits,
      heartbeatTimeoutMs: supervision.heartbeatTimeoutMs,
      logLevel: this.env.logger.level,
      writeLog: this.env.writeLog,
    });
    worker.once('exit', (reason: string, expected: boolean) => {
      this.servedBefore += worker.served;
      if (!expected && worker === this.worker) this.crashed(reason);
    });
    return worker;
  }

  private loadInto(worker: PluginWorker, build: CompiledPlugin) {
    return worker.load({ name: this.name, entryUrl: build.url, config: this.env.config, loadTimeoutMs: this.env.supervision.loadTimeoutMs });
  }

  /** Makes `worker` the one serving: its methods replace the old ones in one step. */
  private attach(worker: PluginWorker, build: CompiledPlugin): void {
    this.cancelBackoff();
    const entries = worker.manifest!.methods.map((method) =>
      defineMethod(`${this.name}.${method.name}`, this.name, method, (params) => this.call(method, params), this.name),
    );
    this.env.registry.replaceOwner(this.name, entries);
    // Its loops start now (after any restore), or wait for a resume if the plugin is paused.
    if (!this.paused) worker.pause(false, this.env.supervision.drainTimeoutMs).catch(() => undefined);
    this.worker = worker;
    this.build = build;
    this.state = 'ready';
    this.readySince = Date.now();
    pruneBuilds(build);
    this.env.hooks.pluginLoaded.call(this.event());
  }

  /** Lets an old worker finish its calls and stop, in the background. */
  private retire(worker: PluginWorker): void {
    const stopping = worker.stop(this.env.supervision.drainTimeoutMs).then((errors) => {
      for (const error of errors) this.env.logger.warn({ plugin: this.name }, `stop: ${error}`);
      this.retiring.delete(stopping);
    });
    this.retiring.add(stopping);
  }

  private crashed(reason: string): void {
    this.worker = undefined;
    this.lastError = { message: reason, at: Date.now() };
    this.readySince = undefined;
    this.state = 'crashed';
    const verdict = this.policy.onCrash();
    this.env.logger.error({ plugin: this.name, reason }, `plugin ${this.name} crashed: ${reason}`);
    if (verdict.action === 'fail') {
      this.state = 'failed';
      this.env.logger.error(
        { plugin: this.name },
        `plugin ${this.name} failed: ${this.policy.recentCrashes} crashes within ${this.env.supervision.restart.windowMs} ms`,
      );
    } else {
      this.state = 'backoff';
      this.nextRestartAt = Date.now() + verdict.delayMs;
      this.backoffTimer = setTimeout(() => this.restart(), verdict.delayMs);
    }
    this.env.hooks.pluginCrashed.call({
      ...this.event(),
      reason,
      restarts: this.restarts,
      next: this.state === 'failed' ? 'failed' : 'backoff',
    });
  }

  private restart(): void {
    this.backoffTimer = undefined;
    this.nextRestartAt = undefined;
    this.exclusive(async () => {
      if (this.state !== 'backoff' || !this.build) return;
      this.restarts++;
      this.state = 'loading';
      const worker = this.spawn();
      try {
        await this.loadInto(worker, this.build);
      } catch (error) {
        this.crashed(`restart failed: ${(error as Error).message}`);
        return;
      }
      this.attach(worker, this.build);
    }).catch((error) => this.env.logger.error({ plugin: this.name, err: error }, 'restart failed'));
  }

  private cancelBackoff(): void {
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.nextRestartAt = undefined;
  }

  private loadFailed(error: unknown): RpcError {
    const reason = error instanceof Error ? error.message : String(error);
    this.lastError = { message: reason, at: Date.now() };
    if (!this.worker) this.state = 'failed';
    this.env.logger.error({ plugin: this.name, reason }, `plugin ${this.name} failed to load: ${reason}`);
    return new RpcError(ErrorCode.INTERNAL_ERROR, `plugin ${this.name} failed to load: ${reason}`, {
      plugin: this.name,
      reason,
    });
  }

  private unavailable(): RpcError {
    const data = { plugin: this.name, state: this.state };
    if (this.paused) return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${this.name} is paused`, { ...data, paused: true });
    switch (this.state) {
      case 'failed':
        return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${this.name} failed: ${this.lastError?.message}`, data);
      case 'backoff':
      case 'crashed':
        return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${this.name} is restarting after a crash: ${this.lastError?.message}`, data);
      default:
        return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${this.name} is ${this.state}`, data);
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
