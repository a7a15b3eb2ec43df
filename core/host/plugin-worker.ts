// One version of one plugin in one worker, seen from the core, whatever kind
// of worker runs it (worker-backend.ts): it loads the plugin and waits for its
// `setup` (with a deadline), sends calls (each with a deadline), gives control
// orders, watches the heartbeat, turns the plugin's console output into log
// records, and reports its death once. What to do about a death (restart,
// give up) is the supervisor's business.

import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { CoreToWorker, WorkerManifest, WorkerReport, WorkerToCore } from '../channel/protocol.js';
import { RpcError } from '../rpc/errors.js';
import { RawJson } from '../rpc/raw-json.js';
import { HostErrors, messageOf } from './errors.js';
import { PendingCalls } from './pending-calls.js';
import type { WorkerBackend, WorkerSlot } from './worker-backend.js';
import { WorkerControl } from './worker-control.js';
import { WorkerHealth } from './worker-health.js';

/** Where a worker's log goes. */
export interface WorkerLogSink {
  /** A line of the plugin's `ctx.log` (pino JSON text, already naming the plugin). */
  line(plugin: string, line: string): void;
  /** A line the plugin's code wrote to its standard output or error. */
  output(plugin: string, stream: 'stdout' | 'stderr', text: string): void;
}

/** The plugin a booted worker is asked to load. */
export interface PluginLoad {
  name: string;
  entryUrl: string;
  config: unknown;
  /** The plugin's folder (`ctx.dir`). */
  dir: string;
  loadTimeoutMs: number;
}

/** Emits `exit` (reason: string, expected: boolean) once, when the worker is gone. */
export class PluginWorker extends EventEmitter {
  private readonly control: WorkerControl;
  private readonly health: WorkerHealth;
  private readonly pending = new PendingCalls((method, timeoutMs) => HostErrors.callDeadline(this.name, method, timeoutMs));
  private nextCallId = 1;
  private stopping = false;
  /** While `stop` runs: what it waits for. */
  private stopPhase: 'calls' | 'onShutdown' | undefined;
  private exited = false;
  private exitReason = '';
  /** The plugin's name once `load` is called; spares have none. */
  name = 'spare';
  manifest: WorkerManifest | undefined;
  /** Calls answered by this worker. */
  served = 0;

  constructor(
    readonly slot: WorkerSlot,
    private readonly backend: WorkerBackend,
    private readonly log: WorkerLogSink,
  ) {
    super();
    this.control = new WorkerControl((order) => backend.post(order));
    this.health = new WorkerHealth(backend.health);
    backend.channel.onMessage((message) => this.settle(message));
    backend.onReport((report) => this.onReport(report));
    backend.onExit((reason) => this.die(this.stopping ? 'stopped' : reason));
    this.forwardOutput(backend.stdout, 'stdout');
    this.forwardOutput(backend.stderr, 'stderr');
  }

  get isolation(): 'thread' | 'process' {
    return this.backend.isolation;
  }

  get channelKind(): string {
    return this.backend.channelKind;
  }

  /** The thread id or process id. */
  get id(): number {
    return this.backend.id;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get heap(): { used: number; limit: number } {
    return this.health.heap;
  }

  get loops(): { iterations: number; errors: number } {
    return this.health.loops;
  }

  get eventLoopUtilization(): number {
    return this.health.eventLoopUtilization;
  }

  /** Loads a plugin; resolves once its `setup` finished; rejects (and terminates the worker) on failure or deadline. */
  async load(plugin: PluginLoad): Promise<WorkerManifest> {
    this.name = plugin.name;
    try {
      const { name, entryUrl, config, dir } = plugin;
      this.manifest = await this.control.order('load', { name, entryUrl, config, dir }, plugin.loadTimeoutMs);
      this.health.watch(
        this.slot.heartbeatTimeoutMs,
        () => this.backend.eventLoopUtilization(),
        () => void this.terminate(`event loop blocked for more than ${this.slot.heartbeatTimeoutMs} ms (heartbeat missed)`),
      );
      return this.manifest;
    } catch (error) {
      void this.terminate('load failed');
      throw error;
    }
  }

  /** Sends a call; a deadline of 0 means none. Params the channel cannot carry are refused at once. */
  call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (this.exited) return Promise.reject(HostErrors.workerGone(this.name, this.exitReason));
    const id = this.nextCallId++;
    try {
      this.backend.channel.send({ t: 'call', id, method, params });
    } catch (error) {
      return Promise.reject(HostErrors.unsendable(this.name, method, messageOf(error)));
    }
    return this.pending.add(id, method, timeoutMs);
  }

  send(message: CoreToWorker): void {
    if (!this.exited) this.backend.channel.send(message);
  }

  /** Stops the plugin's loops; resolves once an iteration under way has finished. */
  pause(timeoutMs: number): Promise<void> {
    return this.control.order('pause', {}, timeoutMs);
  }

  /** Starts (or restarts) the plugin's loops. */
  resume(timeoutMs: number): Promise<void> {
    return this.control.order('resume', {}, timeoutMs);
  }

  snapshot(timeoutMs: number): Promise<unknown> {
    return this.control.order('snapshot', {}, timeoutMs);
  }

  restore(state: unknown, timeoutMs: number): Promise<void> {
    return this.control.order('restore', { state }, timeoutMs);
  }

  /**
   * Lets in-flight calls finish (up to `drainTimeoutMs`), runs the plugin's
   * `onShutdown` handlers (up to `stopTimeoutMs`), then ends the worker.
   * Returns the shutdown errors, including a missed deadline.
   */
  async stop(drainTimeoutMs: number, stopTimeoutMs: number): Promise<string[]> {
    if (this.exited) return [];
    this.stopping = true;
    this.health.stop();
    const errors: string[] = [];
    this.stopPhase = 'calls';
    if (this.pending.size > 0 && !(await this.pending.drainedWithin(drainTimeoutMs))) {
      errors.push(`${this.pending.size} call(s) still running after the drain deadline of ${drainTimeoutMs} ms`);
    }
    if (!this.exited) {
      this.stopPhase = 'onShutdown';
      try {
        errors.push(...(await this.control.order('stop', {}, stopTimeoutMs)));
      } catch (error) {
        errors.push(messageOf(error));
      }
    }
    await this.terminate('stopped');
    return errors;
  }

  /** What a stopping worker waits for: its calls in flight, then the plugin's `onShutdown` handlers; undefined otherwise. */
  get waitingFor(): string | undefined {
    if (this.exited || this.stopPhase === undefined) return undefined;
    return this.stopPhase === 'onShutdown' ? 'onShutdown' : this.pending.size > 0 ? `${this.pending.size} call(s) in flight` : undefined;
  }

  /** Ends the worker now. In-flight calls are answered with -32001. */
  async terminate(reason: string): Promise<void> {
    if (this.exited) return;
    this.stopping ||= reason === 'stopped';
    this.exitReason ||= reason;
    await this.backend.terminate();
  }

  private settle(message: WorkerToCore): void {
    // An answer after the deadline finds nothing: the caller has had its -32003.
    const answered =
      message.t === 'result'
        ? this.pending.resolve(message.id, new RawJson(message.json))
        : this.pending.reject(message.id, new RpcError(message.error.code, message.error.message, message.error.data));
    if (answered) this.served++;
  }

  private onReport(report: WorkerReport): void {
    if ('t' in report) this.log.line(this.name, report.line);
    else this.control.answer(report);
  }

  /** Each line the plugin writes becomes one log record naming it. */
  private forwardOutput(stream: Readable, name: 'stdout' | 'stderr'): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => this.log.output(this.name, name, text));
  }

  private die(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.exitReason ||= reason;
    this.health.stop();
    this.backend.channel.close();
    this.control.died(this.exitReason);
    this.pending.failAll(HostErrors.workerGone(this.name, this.exitReason));
    this.emit('exit', this.exitReason, this.stopping);
  }
}
