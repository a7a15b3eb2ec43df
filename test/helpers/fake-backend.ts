// A worker backend with no worker behind it: the test scripts what the
// "worker" replies to each order and call, and when it dies. The supervisor
// and PluginWorker run unchanged on it, as they would on a thread or a process.

import { PassThrough } from 'node:stream';
import type {
  ControlOrder,
  CoreToWorker,
  MethodSpec,
  WorkerManifest,
  WorkerReport,
  WorkerToCore,
} from '../../core/channel/protocol.js';
import { HEALTH_CELLS } from '../../core/channel/protocol.js';
import type { Transport } from '../../core/channel/transport.js';
import type { WorkerBackend } from '../../core/host/worker-backend.js';

/** What the fake worker does with an order: reply with a value, fail with a message, or stay silent. */
export type OrderScript = { value?: unknown } | { fail: string } | 'silent';

class FakeChannel implements Transport<WorkerToCore, CoreToWorker> {
  readonly sent: CoreToWorker[] = [];
  private listener: (message: WorkerToCore) => void = () => undefined;
  /** Make `send` throw, as a channel does with params it cannot serialise. */
  refuse: string | undefined;

  send(message: CoreToWorker): void {
    if (this.refuse) throw new Error(this.refuse);
    this.sent.push(message);
  }

  onMessage(listener: (message: WorkerToCore) => void): void {
    this.listener = listener;
  }

  close(): void {}

  /** The worker answers. */
  deliver(message: WorkerToCore): void {
    this.listener(message);
  }
}

let nextId = 1;

export class FakeBackend implements WorkerBackend {
  readonly isolation = 'thread';
  // Messages in memory, as a thread's postMessage channel: the closest of the real kinds.
  readonly channelKind = 'postmessage';
  readonly id = nextId++;
  readonly channel = new FakeChannel();
  readonly health = new Int32Array(new SharedArrayBuffer(HEALTH_CELLS * 4));
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly orders: ControlOrder[] = [];
  /** Scripted replies by order kind; unlisted orders succeed with no value. */
  readonly script: Partial<Record<ControlOrder['t'], OrderScript>> = {};
  private reportListener: (report: unknown) => void = () => undefined;
  private exitListener: (reason: string) => void = () => undefined;
  private gone = false;

  constructor(methods: MethodSpec[] = [{ name: 'echo' }]) {
    const manifest: WorkerManifest = { methods, signals: [], hooks: [], snapshot: false };
    this.script.load = { value: manifest };
  }

  post(order: ControlOrder): void {
    if (this.gone) return;
    this.orders.push(order);
    const script = this.script[order.t] ?? {};
    if (script === 'silent') return;
    const reply: WorkerReport =
      'fail' in script
        ? { id: order.id, ok: false, message: script.fail }
        : { id: order.id, ok: true, value: script.value };
    queueMicrotask(() => this.reportListener(reply));
  }

  /** The worker answers an order scripted 'silent', when the test says. */
  reply(report: WorkerReport): void {
    this.reportListener(report);
  }

  onReport(listener: (report: unknown) => void): void {
    this.reportListener = listener;
  }

  /** The fake finds no violations of its own: what it delivers is checked by PluginWorker. */
  onViolation(): void {}

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  eventLoopUtilization(): number {
    return 0;
  }

  /** The worker dies by itself (a crash). */
  die(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    this.exitListener(reason);
  }

  async terminate(): Promise<void> {
    this.die('terminated');
  }

  /** Calls the core sent that have not been answered by the test yet. */
  calls(): Array<Extract<CoreToWorker, { t: 'call' }>> {
    return this.channel.sent.filter((message): message is Extract<CoreToWorker, { t: 'call' }> => message.t === 'call');
  }
}
