// One worker thread running one version of one plugin, seen from the core: it
// boots the worker (which may wait as a spare, see spare-workers.ts), loads the
// plugin and waits for its `setup` (with a deadline), sends calls (each with a
// deadline), watches its heartbeat, and reports its death once. What to do
// about a death (restart, give up) is the Plugin's business.

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { openChannel } from '../channel/open.js';
import type { ChannelKind, Transport } from '../channel/transport.js';
import type {
  ControlReport,
  ControlRequest,
  CoreToWorker,
  ForwardedHook,
  MethodSpec,
  WorkerToCore,
} from '../channel/protocol.js';
import { HEALTH_CELLS, HealthCell } from '../channel/protocol.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { RawJson } from '../rpc/raw-json.js';
import type { WorkerBootData } from '../../sdk/runtime.js';
import { PendingCalls } from './pending-calls.js';
import { giveChannelBuffer, takeChannelBuffer } from './channel-buffers.js';
import { pathToFileURL } from 'node:url';
import { built } from '../package-root.js';

/** What a worker is booted with, before it knows which plugin it will run. */
export interface WorkerSlot {
  channel: ChannelKind;
  resourceLimits: ResourceLimits;
  heartbeatTimeoutMs: number;
  logLevel: string;
  /** Where the worker's log lines go. */
  writeLog(line: string): void;
}

/** The plugin a booted worker is asked to load. */
export interface PluginLoad {
  name: string;
  entryUrl: string;
  config: unknown;
  loadTimeoutMs: number;
}

export interface WorkerManifest {
  methods: MethodSpec[];
  signals: string[];
  hooks: ForwardedHook[];
  snapshot: boolean;
}

const RUNTIME_URL = pathToFileURL(built.runtime);

/** Emits `exit` (reason: string, expected: boolean) once, when the worker is gone. */
export class PluginWorker extends EventEmitter {
  private readonly worker: Worker;
  private readonly channel: Transport<WorkerToCore, CoreToWorker>;
  /** What the worker publishes about itself (see HealthCell). */
  private readonly health = new Int32Array(new SharedArrayBuffer(HEALTH_CELLS * Int32Array.BYTES_PER_ELEMENT));
  private eluMark: EventLoopUtilization | undefined;
  /** Event-loop utilisation of the worker over the last watchdog period (0..1). */
  eventLoopUtilization = 0;
  private readonly pending = new PendingCalls((method, timeoutMs) =>
    new RpcError(ErrorCode.DEADLINE_EXCEEDED, `${this.name}.${method} exceeded its deadline of ${timeoutMs} ms`, { plugin: this.name }),
  );
  /** Who waits for each kind of report, oldest first: the worker answers orders of one kind in order. */
  private readonly controlWaiters = new Map<ControlReport['t'], Array<(report: ControlReport) => void>>();
  private nextId = 1;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  private exited = false;
  private exitReason = '';
  /** The plugin's name once `load` is called; spares have none. */
  name = 'spare';
  manifest: WorkerManifest | undefined;
  /** Calls answered by this worker. */
  served = 0;

  constructor(readonly slot: WorkerSlot) {
    super();
    const opened = openChannel<WorkerToCore, CoreToWorker>(slot.channel, { allocate: takeChannelBuffer });
    this.channel = opened.local;
    const boot: WorkerBootData = {
      channel: opened.spec,
      health: this.health.buffer as SharedArrayBuffer,
      heartbeatIntervalMs: Math.max(10, Math.floor(slot.heartbeatTimeoutMs / 5)),
      logLevel: slot.logLevel,
    };
    this.worker = new Worker(RUNTIME_URL, {
      workerData: boot,
      transferList: opened.transferList,
      resourceLimits: slot.resourceLimits,
      name: 'plugd:plugin',
      stdout: false,
      stderr: false,
    });
    this.channel.onMessage((message) => this.settle(message));
    this.worker.on('message', (report: ControlReport) => this.onReport(report));
    this.worker.on('error', (error) => this.die(describeWorkerError(error)));
    this.worker.on('exit', (code) => {
      this.die(this.stopping ? 'stopped' : `exited with code ${code}`);
      if (opened.spec.kind === 'sab') giveChannelBuffer(opened.spec.buffer);
    });
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Heap figures the worker last published, in bytes. */
  get heap(): { used: number; limit: number } {
    return {
      used: Atomics.load(this.health, HealthCell.HEAP_USED_KIB) * 1024,
      limit: Atomics.load(this.health, HealthCell.HEAP_LIMIT_KIB) * 1024,
    };
  }

  get loops(): { iterations: number; errors: number } {
    return { iterations: Atomics.load(this.health, HealthCell.LOOP_ITERATIONS), errors: Atomics.load(this.health, HealthCell.LOOP_ERRORS) };
  }

  /** Suspends or resumes the plugin's loops; resolves once the worker has (an iteration under way finishes first). */
  async pause(paused: boolean, timeoutMs: number): Promise<void> {
    this.control({ t: paused ? 'pause' : 'resume' });
    await this.awaitReport([paused ? 'paused' : 'resumed'], timeoutMs, paused ? 'pause' : 'resume');
  }

  /** Loads a plugin; resolves once its `setup` finished; rejects (and terminates the worker) on failure or deadline. */
  async load(plugin: PluginLoad): Promise<WorkerManifest> {
    this.name = plugin.name;
    this.control({ t: 'load', name: plugin.name, entryUrl: plugin.entryUrl, config: plugin.config });
    try {
      const report = await this.awaitReport(['ready', 'setupFailed'], plugin.loadTimeoutMs, 'load');
      if (report.t === 'setupFailed') throw new Error(report.message);
      if (report.t !== 'ready') throw new Error(`unexpected ${report.t}`);
      this.manifest = { methods: report.methods, signals: report.signals, hooks: report.hooks, snapshot: report.snapshot };
      this.armWatchdog();
      return this.manifest;
    } catch (error) {
      this.terminate('load failed');
      throw error;
    }
  }

  call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (this.exited) return Promise.reject(this.unavailable());
    const id = this.nextId++;
    const answer = this.pending.add(id, method, timeoutMs);
    try {
      this.channel.send({ t: 'call', id, method, params });
    } catch (error) {
      // Params JSON cannot write (nested deeper than the stack): answer now, and leave no deadline pending.
      const code = error instanceof RangeError ? ErrorCode.INVALID_PARAMS : ErrorCode.INTERNAL_ERROR;
      this.pending.reject(id, new RpcError(code, `${this.name}.${method}: params cannot be sent: ${(error as Error).message}`, { plugin: this.name }));
    }
    return answer;
  }

  send(message: CoreToWorker): void {
    if (!this.exited) this.channel.send(message);
  }

  async snapshot(timeoutMs: number): Promise<unknown> {
    this.control({ t: 'snapshot' });
    const report = await this.awaitReport(['snapshot', 'snapshotFailed'], timeoutMs, 'snapshot');
    if (report.t === 'snapshotFailed') throw new Error(`snapshot failed: ${report.message}`);
    return (report as { state: unknown }).state;
  }

  async restore(state: unknown, timeoutMs: number): Promise<void> {
    this.control({ t: 'restore', state });
    const report = await this.awaitReport(['restored', 'restoreFailed'], timeoutMs, 'restore');
    if (report.t === 'restoreFailed') throw new Error(`restore failed: ${report.message}`);
  }

  /**
   * Lets in-flight calls finish (up to `drainTimeoutMs`), runs the plugin's
   * `onShutdown` handlers (up to `drainTimeoutMs` too), then ends the worker.
   * Returns the shutdown errors, including a missed deadline.
   */
  async stop(drainTimeoutMs: number): Promise<string[]> {
    if (this.exited) return [];
    this.stopping = true;
    this.disarmWatchdog();
    const errors: string[] = [];
    if (this.pending.size > 0) {
      const drained = await this.withDeadline(this.pending.drained(), drainTimeoutMs);
      if (!drained) errors.push(`${this.pending.size} call(s) still running after the drain deadline of ${drainTimeoutMs} ms`);
    }
    if (!this.exited) {
      this.control({ t: 'stop' });
      try {
        const report = await this.awaitReport(['stopped'], drainTimeoutMs, 'stop');
        if (report.t === 'stopped') errors.push(...report.errors);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    await this.terminate('stopped');
    return errors;
  }

  /** Ends the worker now. In-flight calls are answered with -32001. */
  async terminate(reason: string): Promise<void> {
    if (this.exited) return;
    this.stopping ||= reason === 'stopped';
    this.exitReason ||= reason;
    await this.worker.terminate();
  }

  private settle(message: WorkerToCore): void {
    // An answer after the deadline finds nothing: the caller has had its -32003.
    const answered =
      message.t === 'result'
        ? this.pending.resolve(message.id, new RawJson(message.json))
        : this.pending.reject(message.id, new RpcError(message.error.code, message.error.message, message.error.data));
    if (answered) this.served++;
  }

  private onReport(report: ControlReport): void {
    if (report.t === 'log') return this.slot.writeLog(report.line);
    this.controlWaiters.get(report.t)?.[0]?.(report);
  }

  private control(request: ControlRequest): void {
    if (!this.exited) this.worker.postMessage(request);
  }

  private awaitReport(kinds: ControlReport['t'][], timeoutMs: number, phase: string): Promise<ControlReport> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        for (const kind of kinds) {
          const waiters = this.controlWaiters.get(kind)!;
          waiters.splice(waiters.indexOf(waiter), 1);
        }
        this.off('exit', onExit);
      };
      const waiter = (report: ControlReport) => {
        done();
        resolve(report);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${phase} missed its deadline of ${timeoutMs} ms`));
      }, timeoutMs);
      const onExit = (reason: string) => {
        done();
        reject(new Error(`worker died during ${phase}: ${reason}`));
      };
      this.once('exit', onExit);
      for (const kind of kinds) {
        const waiters = this.controlWaiters.get(kind);
        if (waiters) waiters.push(waiter);
        else this.controlWaiters.set(kind, [waiter]);
      }
    });
  }

  private withDeadline(promise: Promise<void>, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      promise.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The heartbeat counter must move at least once per deadline, or the event loop is stuck. */
  private armWatchdog(): void {
    let last = Atomics.load(this.health, HealthCell.BEAT);
    let lastMoved = performance.now();
    const { heartbeatTimeoutMs } = this.slot;
    const period = Math.max(10, Math.floor(heartbeatTimeoutMs / 4));
    this.watchdog = setInterval(() => {
      this.sampleEventLoopUtilization();
      const now = performance.now();
      const beat = Atomics.load(this.health, HealthCell.BEAT);
      if (beat !== last) {
        last = beat;
        lastMoved = now;
      } else if (now - lastMoved > heartbeatTimeoutMs) {
        this.terminate(`event loop blocked for more than ${heartbeatTimeoutMs} ms (heartbeat missed)`);
      }
    }, period);
    this.watchdog.unref();
  }

  private sampleEventLoopUtilization(): void {
    const now = this.worker.performance.eventLoopUtilization();
    if (this.eluMark) this.eventLoopUtilization = this.worker.performance.eventLoopUtilization(now, this.eluMark).utilization;
    this.eluMark = now;
  }

  private disarmWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private unavailable(): RpcError {
    return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${this.name} is unavailable: ${this.exitReason}`, { plugin: this.name });
  }

  private die(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.exitReason ||= reason;
    this.disarmWatchdog();
    this.channel.close();
    this.pending.failAll(this.unavailable());
    this.emit('exit', this.exitReason, this.stopping);
  }
}

function describeWorkerError(error: Error): string {
  if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out of memory';
  return `uncaught ${error.name}: ${error.message}`;
}
