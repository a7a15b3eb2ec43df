// One worker that several plugins share (`plugins.<name>.sharedWorker`): one
// thread or process, one channel and one control port, and for each plugin in
// it a MemberBackend, a WorkerBackend of its own, so that PluginWorker and the
// supervisor drive each member unchanged: its own calls, orders, deadlines,
// log and crash policy. The member is carried in the low part of every call
// and order id (`id * SHARED_MEMBER_SLOTS + member`, the protocol's
// SHARED_MEMBER_SLOTS) and in the `member` of signals, hook events and log
// lines; the worker runtime (core/worker/worker-runtime.ts) routes by the same rule.
// A member that stops, or fails to load, leaves; anything that ends one member
// otherwise (a crash, the watchdog, a protocol violation) ends the worker and
// so every member, each then restarted by its own crash policy. Members are
// numbered once per worker, never reused, so a late answer for one that left
// reaches no other.

import { Readable } from 'node:stream';
import { SHARED_MEMBER_SLOTS, type ControlOrder, type CoreToWorker, type WorkerToCore } from '../channel/protocol.js';
import type { Transport } from '../channel/transport.js';
import { HostErrors } from './errors.js';
import { readOutputLines } from './output-lines.js';
import type { WorkerLogSink } from './plugin-worker.js';
import type { WorkerBackend } from './worker-backend.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class SharedWorker {
  private readonly members = new Map<number, MemberBackend>();
  private joined = 0;
  private ended = false;
  /** Why a member ended the worker (the watchdog, a violation), told to the others. */
  private endedBy: string | undefined;

  constructor(
    /** `plugins.<name>.sharedWorker`. */
    readonly name: string,
    private readonly backend: WorkerBackend,
    log: WorkerLogSink,
  ) {
    backend.channel.onMessage(
      (message) => this.answer(message),
      (reason) => void this.end(HostErrors.violation(reason)),
    );
    backend.onReport((report) => this.report(report));
    backend.onViolation((reason) => void this.end(HostErrors.violation(reason)));
    backend.onExit((reason) => this.exited(reason));
    // Console output cannot tell which member wrote it: it is logged under the shared worker's name.
    const writer = `sharedWorker:${name}`;
    readOutputLines(backend.stdout, (text, cut) => log.output(writer, 'stdout', text, cut));
    readOutputLines(backend.stderr, (text, cut) => log.output(writer, 'stderr', text, cut));
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Every member number has been given: the next plugin to join starts another worker. */
  get full(): boolean {
    return this.joined >= SHARED_MEMBER_SLOTS;
  }

  /** Whether `plugin` has a member here (serving, loading or stopping). */
  has(plugin: string): boolean {
    for (const member of this.members.values()) if (member.plugin === plugin) return true;
    return false;
  }

  /** A backend for `plugin` in this worker. */
  join(plugin: string): MemberBackend {
    const member = new MemberBackend(this, this.backend, plugin, this.joined++);
    this.members.set(member.index, member);
    return member;
  }

  /** `member`'s order, with the member in its id. */
  post(member: MemberBackend, order: ControlOrder): void {
    this.backend.post({ ...order, id: order.id * SHARED_MEMBER_SLOTS + member.index });
  }

  /** `member`'s message on the channel, with the member in its id or its `member`. */
  send(member: MemberBackend, message: CoreToWorker): void {
    this.backend.channel.send(
      message.t === 'call'
        ? {
            t: 'call',
            id: message.id * SHARED_MEMBER_SLOTS + member.index,
            method: message.method,
            params: message.params,
          }
        : { ...message, member: member.index },
    );
  }

  /** `member` stopped or failed to load: the others serve on; the last one out ends the worker. */
  async leave(member: MemberBackend): Promise<void> {
    if (!this.members.delete(member.index)) return;
    member.exited('stopped');
    if (this.members.size === 0) await this.end('stopped');
  }

  /** Ends the worker, and with it every member; `reason` is why (a member's watchdog, a violation). */
  async end(reason: string): Promise<void> {
    this.endedBy ??= reason;
    this.ended = true;
    await this.backend.terminate(reason);
  }

  /** An answer from the channel, to the member its id names; one for a member that left is late, and dropped. */
  private answer(message: unknown): void {
    const id = isRecord(message) ? message.id : undefined;
    if (!Number.isSafeInteger(id) || (id as number) <= 0)
      return void this.end(HostErrors.violation('a channel message without a valid id'));
    const index = (id as number) % SHARED_MEMBER_SLOTS;
    (message as { id: number }).id = ((id as number) - index) / SHARED_MEMBER_SLOTS;
    this.members.get(index)?.answered(message);
  }

  /** A reply (its id names the member) or a log line (its `member` does), passed on as a worker of its own sends it. */
  private report(report: unknown): void {
    if (!isRecord(report)) return void this.end(HostErrors.violation('a report that is not an object'));
    if ('t' in report) {
      const { member, ...line } = report;
      if (!Number.isSafeInteger(member)) return void this.end(HostErrors.violation('a log line without its member'));
      return this.members.get(member as number)?.reported(line);
    }
    const id = report.id;
    if (!Number.isSafeInteger(id) || (id as number) <= 0)
      return void this.end(HostErrors.violation('a control reply without a valid id'));
    const index = (id as number) % SHARED_MEMBER_SLOTS;
    this.members.get(index)?.reported({ ...report, id: ((id as number) - index) / SHARED_MEMBER_SLOTS });
  }

  private exited(reason: string): void {
    this.ended = true;
    const told = this.endedBy === undefined ? reason : this.endedBy;
    const members = [...this.members.values()];
    this.members.clear();
    for (const member of members) member.exited(`shared worker ${this.name} ended: ${told}`);
  }
}

/** One plugin's part of a shared worker, seen by its PluginWorker as a worker of its own. */
export class MemberBackend implements WorkerBackend {
  readonly channel: Transport<WorkerToCore, CoreToWorker>;
  readonly stdout = Readable.from([]);
  readonly stderr = Readable.from([]);
  private messageListener: (message: WorkerToCore) => void = () => undefined;
  private reportListener: (report: unknown) => void = () => undefined;
  private exitListener: (reason: string) => void = () => undefined;
  private gone = false;

  constructor(
    private readonly worker: SharedWorker,
    private readonly backend: WorkerBackend,
    readonly plugin: string,
    /** Its number in the worker: the low part of its ids. */
    readonly index: number,
  ) {
    this.channel = {
      send: (message) => {
        if (!this.gone) worker.send(this, message);
      },
      // A violation of the channel ends the worker (SharedWorker): every member hears it as its exit.
      onMessage: (listener) => (this.messageListener = listener),
      close: () => undefined,
    };
  }

  get isolation() {
    return this.backend.isolation;
  }

  get channelKind() {
    return this.backend.channelKind;
  }

  get id() {
    return this.backend.id;
  }

  /** The worker's: its heartbeat is every member's. */
  get health() {
    return this.backend.health;
  }

  /** The worker's name, for the plugin's status. */
  get sharedWorker(): string {
    return this.worker.name;
  }

  post(order: ControlOrder): void {
    if (!this.gone) this.worker.post(this, order);
  }

  onReport(listener: (report: unknown) => void): void {
    this.reportListener = listener;
  }

  /** What the worker's backend finds ends the worker (SharedWorker), told to each member as its exit. */
  onViolation(): void {}

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  eventLoopUtilization(): number {
    return this.backend.eventLoopUtilization();
  }

  terminate(reason = 'terminated'): Promise<void> {
    return this.gone ? Promise.resolve() : this.worker.end(`${this.plugin}: ${reason}`);
  }

  leave(): Promise<void> {
    return this.worker.leave(this);
  }

  answered(message: unknown): void {
    this.messageListener(message as WorkerToCore);
  }

  reported(report: unknown): void {
    this.reportListener(report);
  }

  exited(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    this.exitListener(reason);
  }
}
