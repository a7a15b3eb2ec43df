// A stdio plugin (docs/PROTOCOL.md) behind the worker seam: any executable
// that speaks JSON-RPC 2.0, one message a line, on its stdin and stdout.
// This backend translates plugd's side of the seam into that protocol: calls
// become requests (with `plugd.cancel` at their deadline), control orders
// become `plugd.hello` (load), `plugd.snapshot`, `plugd.restore` and
// `plugd.shutdown`, and the heartbeat is `plugd.ping` answered. The process
// starts at the load order (its config is in its environment, so a spare is
// a backend without a process), in a process group of its own, which is
// killed whole when it ends: its children end with it.
//
// Everything the child writes is untrusted: a line that is not a JSON-RPC
// message is logged as its output, a protocol violation (an answer to an id
// never sent, a bad hello, a line over `limits.maxLineBytes`) kills it as a
// crash with the reason, and no line it writes costs the daemon more than
// that limit.

import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import {
  HEALTH_CELLS,
  HealthCell,
  type ControlOrder,
  type CoreToWorker,
  type WorkerReport,
  type WorkerToCore,
} from '../channel/protocol.js';
import type { Transport } from '../channel/transport.js';
import { ExecCalls, type Message } from './exec-calls.js';
import { digestProblem, exitReason, spawnExec } from './exec-child.js';
import { readHello } from './exec-hello.js';
import { LineCutter } from './exec-lines.js';
import { execLogRecord } from './exec-log.js';
import { HostErrors, messageOf } from './errors.js';
import { killDescendants } from './process-tree.js';
import { bootSettings, type ExecSettings, type ExecSlot, type WorkerBackend } from './worker-backend.js';

/** After `plugd.shutdown` and end-of-file, how long the child has to exit by itself before its group is killed. */
const EXIT_GRACE_MS = 1000;

export class ExecBackend extends ExecCalls implements WorkerBackend {
  readonly isolation = 'process';
  readonly channelKind = 'pipe';
  readonly health = new Int32Array(HEALTH_CELLS);
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly channel: Transport<WorkerToCore, CoreToWorker>;
  private plugin = 'spare';
  private reportListener: (report: WorkerReport) => void = () => undefined;
  private exitListener: (reason: string) => void = () => undefined;
  private violationListener: (reason: string) => void = () => undefined;
  /** The load order, until the hello answers it. */
  private loadOrder: number | undefined;
  private helloSeen = false;
  private pinging = false;
  private pinger: NodeJS.Timeout | undefined;
  private violation: string | undefined;
  private lastStderr = '';
  private exitReason = 'exited';
  private shutDown = false;
  private readonly gone: Promise<void>;
  private exited: () => void = () => undefined;

  constructor(
    private readonly slot: ExecSlot,
    private readonly spare: boolean,
  ) {
    super();
    this.gone = new Promise((resolve) => (this.exited = resolve));
    this.channel = {
      send: (message) => this.send(message),
      onMessage: (listener) => (this.deliver = listener),
      close: () => undefined,
    };
  }

  get id(): number {
    return this.child?.pid ?? 0;
  }

  /** Read at the start, not at boot: a reload may have changed the command (plugin-host.ts). */
  private get settings(): ExecSettings {
    return this.slot.exec;
  }

  post(order: ControlOrder): void {
    if (this.ended) return;
    switch (order.t) {
      case 'load':
        return this.start(order.id, order.name, order.config);
      case 'pause':
      case 'resume':
        // A stdio plugin has no loops of plugd's to stop: its calls are held by the supervisor.
        return this.reportListener({ id: order.id, ok: true });
      case 'snapshot':
        return this.answerOrder(order.id, this.request('plugd.snapshot'));
      case 'restore':
        return this.answerOrder(
          order.id,
          this.request('plugd.restore', { state: order.state }).then(() => undefined),
        );
      case 'stop':
        return this.answerOrder(order.id, this.shutdown());
    }
  }

  onReport(listener: (report: WorkerReport) => void): void {
    this.reportListener = listener;
  }

  /** PluginWorker hears of every violation this backend finds, as of those it finds itself (worker-messages.ts). */
  onViolation(listener: (reason: string) => void): void {
    this.violationListener = listener;
  }

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  eventLoopUtilization(): number {
    return 0;
  }

  async terminate(): Promise<void> {
    if (this.ended) return;
    if (!this.child?.pid) return this.end('stopped');
    // Told to shut down and given end-of-file: a moment to exit by itself, then its group is killed.
    if (this.shutDown)
      await Promise.race([this.gone, new Promise((resolve) => setTimeout(resolve, EXIT_GRACE_MS).unref())]);
    this.killGroup();
    await this.gone;
  }

  /** `plugins.<name>.sha256`, then the process, whose hello answers the load order. */
  private start(orderId: number, name: string, config: unknown): void {
    this.plugin = name;
    this.loadOrder = orderId;
    const { argv, entry, sha256, maxLineBytes } = this.settings;
    const wrongFile = sha256 && digestProblem(entry, sha256, name);
    if (wrongFile) return this.fail(wrongFile);
    let child: ChildProcess;
    try {
      child = spawnExec(argv, this.slot.process, name, config);
    } catch (error) {
      return this.fail(`cannot start: ${messageOf(error)}`);
    }
    this.child = child;
    const stdout = new LineCutter(
      maxLineBytes,
      (line) => this.receive(line),
      () => this.violate(`a line longer than limits.maxLineBytes (${maxLineBytes} bytes)`),
    );
    const stderr = new LineCutter(
      maxLineBytes,
      (line) => this.logStderr(line),
      (head) => this.logStderr(head),
    );
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A child that stops reading: its exit says why, not an 'error' on the pipe.
    child.stdin!.on('error', () => undefined);
    child.on('error', (error) => {
      if (child.pid === undefined) this.fail(`cannot start ${argv[0]}: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      // Whatever it started goes with it; a pipe a grandchild held open closes.
      this.killGroup();
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, EXIT_GRACE_MS).unref();
      this.exitReason = this.violation ?? exitReason(code, signal, this.lastStderr);
    });
    child.on('close', () => this.end(this.exitReason));
  }

  /** A load that cannot even start: the order fails with why, and the backend ends. */
  private fail(reason: string): void {
    this.answerLoad({ ok: false, message: reason });
    setImmediate(() => this.end(reason));
  }

  private answerOrder(id: number, outcome: Promise<unknown>): void {
    outcome.then(
      (value) => this.reportListener({ id, ok: true, value }),
      (error: unknown) => this.reportListener({ id, ok: false, message: messageOf(error) }),
    );
  }

  private answerLoad(reply: { ok: true; value: unknown } | { ok: false; message: string }): void {
    if (this.loadOrder === undefined) return;
    const id = this.loadOrder;
    this.loadOrder = undefined;
    this.reportListener({ id, ...reply });
  }

  /** `plugd.shutdown` (its error, if any, is reported), then end-of-file (`terminate` gives it a moment to exit). */
  private async shutdown(): Promise<string[]> {
    const child = this.child;
    if (!child) return [];
    const errors: string[] = [];
    await this.request('plugd.shutdown').catch((error: unknown) => errors.push(`plugd.shutdown: ${messageOf(error)}`));
    this.flush();
    child.stdin?.end();
    this.shutDown = true;
    return errors;
  }

  protected receiveRequest(method: string, message: Message): void {
    if (!this.helloSeen) {
      if (method !== 'plugd.hello') return this.violate(`its first message must be plugd.hello, not ${method}`);
      return this.hello(message.params);
    }
    if (method === 'plugd.log') {
      const line = execLogRecord(this.plugin, this.id, message.params, this.slot.logLevel);
      if (line) this.reportListener({ t: 'log', line });
      return;
    }
    if (method === 'plugd.hello') return this.violate('a second plugd.hello');
    if ('id' in message)
      this.writeLine({
        jsonrpc: '2.0',
        id: message.id,
        error: { code: -32601, message: `plugd offers no method ${method} to plugins` },
      });
  }

  private hello(params: unknown): void {
    const hello = readHello(params);
    if ('problem' in hello) return this.violate(hello.problem);
    this.helloSeen = true;
    this.concurrency = hello.concurrency ?? Infinity;
    this.startPinging();
    this.answerLoad({ ok: true, value: hello.manifest });
  }

  /** The heartbeat: one `plugd.ping` at a time, each answer a beat the watchdog sees (worker-health.ts). */
  private startPinging(): void {
    const { heartbeatIntervalMs } = bootSettings(this.slot, this.spare);
    this.pinger = setInterval(() => {
      if (this.pinging) return;
      this.pinging = true;
      // Any answer is a beat, an error too: the plugin's loop is turning.
      const beat = () => {
        this.pinging = false;
        Atomics.add(this.health, HealthCell.BEAT, 1);
      };
      this.request('plugd.ping').then(beat, beat);
    }, heartbeatIntervalMs);
    this.pinger.unref();
  }

  private logStderr(line: string): void {
    this.lastStderr = line;
    this.stderr.write(line + '\n');
  }

  /** The child broke the protocol: the load fails with why, or it dies as a crash with why. */
  protected violate(reason: string): void {
    if (this.violation) return;
    this.violation = HostErrors.violation(reason);
    this.answerLoad({ ok: false, message: this.violation });
    this.violationListener(reason);
    this.killGroup();
  }

  /** Its whole tree, a child that started a session of its own included, then its group (process-tree.ts). */
  private killGroup(): void {
    const pid = this.child?.pid;
    if (pid !== undefined) killDescendants(pid);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.pinger);
    for (const waiting of this.waiting.values()) waiting.reject(new Error(reason));
    this.waiting.clear();
    this.stdout.end();
    this.stderr.end();
    this.exited();
    this.exitListener(reason);
  }
}
