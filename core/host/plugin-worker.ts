// One version of one plugin in one worker, seen from the core, whatever kind
// of worker runs it (worker-backend.ts): it loads the plugin and waits for its
// `setup` (with a deadline), sends calls (each with a deadline), gives control
// orders, watches the heartbeat, turns the plugin's console output into log
// records, and reports its death once. What to do about a death (restart,
// give up) is the supervisor's business. Everything the worker sends is
// checked before use (worker-messages.ts); a protocol violation ends it as a
// crash (`violated`).

import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { CoreToWorker, WorkerManifest } from '../channel/protocol.js';
import { RpcError } from '../rpc/errors.js';
import { RawJson } from '../rpc/raw-json.js';
import { HostErrors, messageOf } from './errors.js';
import { readOutputLines } from './output-lines.js';
import { PendingCalls } from './pending-calls.js';
import type { Isolation } from '../contract/plugin-status.js';
import type { WorkerBackend, WorkerChannelKind, WorkerSlot } from './worker-backend.js';
import { WorkerControl } from './worker-control.js';
import { WorkerHealth } from './worker-health.js';
import { checkChannelMessage, checkLogRecord, checkReport } from './worker-messages.js';

/** Log lines longer than this (in UTF-16 units, as the log's rate limit counts) are dropped there, not parsed here. */
const MAX_LOG_LINE_UNITS = 64 * 1024;

/** Where a worker's log goes. */
export interface WorkerLogSink {
  /** A line of the plugin's `ctx.log` (pino JSON text, already naming the plugin). */
  line(plugin: string, line: string): void;
  /** A line the plugin's code wrote to its standard output or error; `cut` if it was longer than the log takes. */
  output(plugin: string, stream: 'stdout' | 'stderr', text: string, cut: boolean): void;
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
  private readonly pending = new PendingCalls((method, timeoutMs, id) => {
    this.backend.cancel?.(id);
    return HostErrors.callDeadline(this.name, method, timeoutMs);
  });
  private nextCallId = 1;
  private stopping = false;
  /** While `stop` runs: what it waits for. */
  private stopPhase: 'calls' | 'onShutdown' | undefined;
  private exited = false;
  private exitReason = '';
  /** Set once the worker broke the protocol: why it is being ended. */
  private violation: string | undefined;
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
    backend.channel.onMessage(
      (message) => this.settle(message),
      (reason) => this.violated(reason),
    );
    backend.onReport((report) => this.onReport(report));
    backend.onViolation((reason) => this.violated(reason));
    backend.onExit((reason) => this.die(this.stopping ? 'stopped' : reason));
    this.forwardOutput(backend.stdout, 'stdout');
    this.forwardOutput(backend.stderr, 'stderr');
  }

  get isolation(): Isolation {
    return this.backend.isolation;
  }

  get channelKind(): WorkerChannelKind {
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
        () =>
          void this.terminate(`event loop blocked for more than ${this.slot.heartbeatTimeoutMs} ms (heartbeat missed)`),
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

  /** Resolves true once no call is in flight, or false when `timeoutMs` passes first. */
  idleWithin(timeoutMs: number): Promise<boolean> {
    return this.pending.drainedWithin(timeoutMs);
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
    return this.stopPhase === 'onShutdown'
      ? 'onShutdown'
      : this.pending.size > 0
        ? `${this.pending.size} call(s) in flight`
        : undefined;
  }

  /** Ends the worker now. In-flight calls are answered with -32001. */
  async terminate(reason: string): Promise<void> {
    if (this.exited) return;
    this.stopping ||= reason === 'stopped';
    this.exitReason ||= reason;
    // In a shared worker only these two end the plugin's part; anything else (a watchdog, a violation) ends the worker.
    if (this.backend.leave && (reason === 'stopped' || reason === 'load failed')) await this.backend.leave();
    else await this.backend.terminate(this.exitReason);
  }

  private settle(received: unknown): void {
    if (this.violation !== undefined) return;
    const checked = checkChannelMessage(received);
    if ('violation' in checked) return this.violated(checked.violation);
    const message = checked.ok;
    if (message.id >= this.nextCallId) return this.violated(`an answer to call ${message.id}, which was never sent`);
    // An answer after the deadline finds nothing: the caller has had its -32003.
    const answered =
      message.t === 'result'
        ? this.pending.resolve(message.id, new RawJson(message.json))
        : this.pending.reject(message.id, new RpcError(message.error.code, message.error.message, message.error.data));
    if (answered) this.served++;
  }

  private onReport(received: unknown): void {
    if (this.violation !== undefined) return;
    const checked = checkReport(received);
    if ('violation' in checked) return this.violated(checked.violation);
    const report = checked.ok;
    if (!('t' in report)) {
      if (!this.control.answer(report)) this.violated(`a reply to order ${report.id}, which was never given`);
      return;
    }
    // A line too long for the log is dropped (and counted) there, unparsed.
    if (report.line.length > MAX_LOG_LINE_UNITS) return this.log.line(this.name, report.line);
    const record = checkLogRecord(report.line, this.name);
    if ('violation' in record) this.violated(record.violation);
    else this.log.line(this.name, record.ok);
  }

  /**
   * The worker broke the protocol: nothing more it sends is read, its calls in
   * flight are answered -32001 at once, and it is ended; its death is then a
   * crash like any other, named by the violation (docs/ARCHITECTURE.md,
   * "Protocol violations").
   */
  private violated(detail: string): void {
    if (this.exited || this.violation !== undefined) return;
    this.violation = HostErrors.violation(detail);
    this.exitReason ||= this.violation;
    this.pending.failAll(HostErrors.workerGone(this.name, this.violation));
    void this.backend.terminate(this.violation);
  }

  /** Each line the plugin writes becomes one log record naming it; a long line is cut (output-lines.ts). */
  private forwardOutput(stream: Readable, name: 'stdout' | 'stderr'): void {
    readOutputLines(stream, (text, cut) => this.log.output(this.name, name, text, cut));
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
