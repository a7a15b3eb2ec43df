// A plugin worker as an OS process of its own: what a thread cannot give
// (a native fault that kills only the plugin, another user, its own folder
// and environment, an addon loaded afresh by each version). Its call channel
// is a ring in shared memory ('shm', native/sab-shm) or, without the addon,
// its IPC pipe; its control port is the IPC channel (plugd's own JSON lines,
// json-lines-endpoint.ts, not Node's, whose parser throws in the parent on
// bytes the child wrote); its health cells are reported over IPC every
// heartbeat (core/worker/process-runtime.ts) and kept here, so WorkerHealth reads
// them as it reads a thread's. Every envelope is checked before use: one that
// breaks the protocol is a violation (worker-messages.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { jsonLinesEndpoint, type JsonLinesEndpoint } from '../channel/json-lines-endpoint.js';
import { PIPE_ENVELOPE_KEY } from '../channel/pipe-transport.js';
import { prepareProcessChannel } from '../channel/process-channel.js';
import { MAX_MESSAGE_BYTES } from '../channel/ring.js';
import { loadShm } from '../channel/shm.js';
import { decodeSnapshot, encodeSnapshot } from '../channel/snapshot-codec.js';
import type { ProcessChannelKind, Transport } from '../channel/transport.js';
import {
  HEALTH_CELLS,
  type ControlOrder,
  type CoreToWorker,
  type ProcessBootData,
  type ProcessEnvelope,
  type WorkerToCore,
} from '../channel/protocol.js';
import { built } from '../package-root.js';
import { coverInherited } from './inherited-fds.js';
import { killDescendants, killGroup } from './process-tree.js';
import { HandedCopies } from './handed-copies.js';
import { homeOf, processIds, type ProcessIds } from './process-user.js';
import {
  bootSettings,
  type ProcessSettings,
  type ProcessSlot,
  type WorkerBackend,
  type WorkerSlot,
} from './worker-backend.js';
import { checkHealth } from './worker-messages.js';

/** All a plugin process gets of the daemon's environment, before its own `env`. */
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'NODE_ENV'];

/** V8's last words when a heap hits its limit (a native stack trace follows them). */
const OUT_OF_MEMORY = /JavaScript heap out of memory/;
/** Kept from one chunk of standard error to the next, so the words are found when split. */
const OUT_OF_MEMORY_LINE = 64;

/** The IPC channel's fd in the child, after stdin, stdout and stderr (process-channel.ts counts on it). */
const IPC_STDIO = 'pipe';
/** An IPC line carries at most one channel message (pipe mode), escaped once more as a JSON string. */
const MAX_IPC_LINE_BYTES = 2 * MAX_MESSAGE_BYTES;
/** What of a plugin's last words (plugdFatal) its crash reason keeps. */
const MAX_FATAL_CHARS = 1000;

const ignoreSendError = () => undefined;

/** The channel of a process that never started. */
const NO_CHANNEL: Transport<WorkerToCore, CoreToWorker> = {
  send: () => undefined,
  onMessage: () => undefined,
  close: () => undefined,
};

export class ProcessBackend implements WorkerBackend {
  readonly isolation = 'process';
  readonly channelKind: ProcessChannelKind;
  readonly channel: Transport<WorkerToCore, CoreToWorker>;
  readonly health = new Int32Array(HEALTH_CELLS);
  readonly stdout: Readable;
  readonly stderr: Readable;
  private readonly child: ChildProcess | undefined;
  private readonly gone: Promise<void>;
  private ipc: JsonLinesEndpoint | undefined;
  private reportListener: (report: unknown) => void = () => undefined;
  private violationListener: (reason: string) => void = () => undefined;
  /** Ids of snapshot orders not answered yet: their reply's value comes encoded (snapshot-codec.ts). */
  private readonly snapshots = new Set<number>();
  private exitListener: (reason: string) => void = () => undefined;
  private fatal: string | undefined;
  private stderrTail = '';
  private outOfMemory = false;
  private elu = 0;
  private ended = false;
  /** Who the process runs as, when not the daemon's user. */
  private ids: ProcessIds = {};
  /** The copies of plugd's runtime and of its builds it runs, when another user's. */
  private readonly handed: HandedCopies | undefined;

  /** `warn` logs what goes wrong on the daemon's side of this process (a handed build it could not remove). */
  constructor(slot: ProcessSlot, spare: boolean, warn: (message: string) => void) {
    const settings = slot.process;
    this.channelKind = slot.channel;
    const prepared = prepareProcessChannel<WorkerToCore, CoreToWorker>(this.channelKind, { name: settings.plugin });
    const boot: ProcessBootData = {
      channel: prepared.spec,
      ...bootSettings(slot, spare),
      daemonPid: process.pid,
    };
    let exited: () => void = () => undefined;
    this.gone = new Promise((resolve) => (exited = resolve));
    try {
      this.ids = processIds(settings.user, settings.group);
      this.handed = new HandedCopies(this.ids, warn, () => `${this.child?.pid ?? 'a plugin process'}`);
      const entry = this.ids.uid === undefined ? built.processRuntime : this.handed.runtimeEntry(settings.user);
      this.child = spawn(process.execPath, [...heapFlags(slot), entry, JSON.stringify(boot)], {
        cwd: settings.cwd,
        env: cleanEnvironment(settings, this.ids),
        stdio: coverInherited(['ignore', 'pipe', 'pipe', IPC_STDIO, ...prepared.stdio]),
        // A process group of its own, which its end takes down with it (process-tree.ts). The process makes
        // it itself (process-guard.ts) when the addon can: a session of its own (detached) would also be a
        // scheduler autogroup of its own on Linux, and every call's wake-up would cross groups (−15 % at c32,
        // `npm run bench -- rpc`: rpc.plugin.process.c32).
        detached: !CHILD_LEADS_ITS_GROUP,
        ...this.ids,
      });
    } catch (error) {
      prepared.discard();
      this.channel = NO_CHANNEL;
      this.stdout = new PassThrough().end();
      this.stderr = new PassThrough().end();
      setImmediate(() => this.end(`cannot start: ${(error as Error).message}`, exited));
      return;
    }
    const child = this.child;
    const ipc = jsonLinesEndpoint(child.stdio[3] as Duplex, MAX_IPC_LINE_BYTES);
    this.ipc = ipc;
    this.channel = prepared.connect(ipc);
    this.stdout = child.stdout!;
    this.stderr = child.stderr!;
    this.stderr.on('data', (chunk: Buffer) => {
      const text = this.stderrTail + chunk;
      this.outOfMemory ||= OUT_OF_MEMORY.test(text);
      this.stderrTail = text.slice(-OUT_OF_MEMORY_LINE);
    });
    ipc.on('message', (envelope) => this.receive(envelope));
    ipc.on('violation', (reason) => this.violationListener(`IPC channel: ${reason}`));
    // A spawn that fails (a uid it may not take, a folder gone) has no exit of its own.
    child.on('error', (error) => {
      if (child.pid === undefined) this.end(`cannot start: ${error.message}`, exited);
    });
    // 'close', not 'exit': by then its standard error and its last IPC messages have been read.
    child.on('close', (code, signal) => this.end(this.exitReason(code, signal), exited));
  }

  get id(): number {
    return this.child?.pid ?? 0;
  }

  post(order: ControlOrder): void {
    if (this.ended || !this.ipc?.connected) return;
    if (order.t === 'load' && this.ids.uid !== undefined)
      order = { ...order, entryUrl: this.handed!.build(order.id, order.entryUrl) };
    if (order.t === 'snapshot') this.snapshots.add(order.id);
    if (order.t === 'restore') order = { ...order, state: encodeSnapshot(order.state) };
    this.ipc.send({ plugdControl: order } satisfies ProcessEnvelope, ignoreSendError);
  }

  onReport(listener: (report: unknown) => void): void {
    this.reportListener = listener;
  }

  onViolation(listener: (reason: string) => void): void {
    this.violationListener = listener;
  }

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  eventLoopUtilization(): number {
    return this.elu;
  }

  async terminate(): Promise<void> {
    if (this.ended) return;
    // Its `onShutdown` has run (or it is stuck): nothing is lost by not asking.
    if (this.child?.pid !== undefined) killDescendants(this.child.pid);
    this.child?.kill('SIGKILL');
    await this.gone;
  }

  /** One envelope (ProcessEnvelope), checked: anything else on the IPC channel is a violation. */
  private receive(envelope: unknown): void {
    const keys =
      typeof envelope === 'object' && envelope !== null && !Array.isArray(envelope) ? Object.keys(envelope) : [];
    if (keys.length !== 1) return this.violationListener('an IPC message that is not an envelope');
    const body: unknown = (envelope as Record<string, unknown>)[keys[0]];
    switch (keys[0]) {
      case PIPE_ENVELOPE_KEY:
        return; // The pipe transport's (process-channel.ts): its messages are checked where they are used.
      case 'plugdReport':
        return this.report(body);
      case 'plugdHealth': {
        const checked = checkHealth(body);
        if ('violation' in checked) return this.violationListener(checked.violation);
        checked.ok.cells.forEach((value, cell) => Atomics.store(this.health, cell, value));
        this.elu = checked.ok.elu;
        return;
      }
      case 'plugdFatal':
        if (typeof body !== 'string') return this.violationListener('last words that are not text');
        this.fatal = body.slice(0, MAX_FATAL_CHARS);
        return;
      default:
        return this.violationListener(`an IPC envelope of unknown kind ${JSON.stringify(keys[0].slice(0, 40))}`);
    }
  }

  /** A reply or a log line, passed on for PluginWorker to check; a snapshot's value is decoded first. */
  private report(report: unknown): void {
    const id = (report as { id?: unknown } | null)?.id;
    if (typeof id === 'number') {
      // Only the reply to the load order that imports a build ends its copy's life, never a log line that carries an id.
      if ('ok' in (report as object)) this.handed?.answered(id);
      if (this.snapshots.delete(id) && (report as { ok?: unknown }).ok === true) {
        const value = (report as { value?: unknown }).value;
        if (typeof value !== 'string') return this.violationListener(`the snapshot in reply ${id} is not encoded`);
        try {
          report = { ...(report as object), value: decodeSnapshot(value) };
        } catch (error) {
          return this.violationListener(`a snapshot that does not decode: ${(error as Error).message}`);
        }
      }
    }
    this.reportListener(report);
  }

  /** Why it died, worded as a thread's death is: what it said, then out of memory, the signal, the code. */
  private exitReason(code: number | null, signal: NodeJS.Signals | null): string {
    if (this.fatal) return this.fatal;
    if (this.outOfMemory) return 'out of memory';
    if (signal) return `killed by ${signal}`;
    return `exited with code ${code}`;
  }

  private end(reason: string, exited: () => void): void {
    if (this.ended) return;
    this.ended = true;
    // Dead by itself: what it started and left in its group goes too.
    if (this.child?.pid !== undefined) killGroup(this.child.pid);
    this.handed?.releaseAll();
    exited();
    this.exitListener(reason);
  }
}

/** The plugin process sets up its own process group (core/worker/process-guard.ts), through the same addon. */
const CHILD_LEADS_ITS_GROUP = typeof loadShm()?.leadProcessGroup === 'function';

/** V8's heap limit, as a thread's `resourceLimits` gives it: running out is a crash. */
function heapFlags(slot: WorkerSlot): string[] {
  const { maxOldGenerationSizeMb, maxYoungGenerationSizeMb } = slot.resourceLimits;
  const flags: string[] = [];
  if (maxOldGenerationSizeMb) flags.push(`--max-old-space-size=${maxOldGenerationSizeMb}`);
  if (maxYoungGenerationSizeMb)
    flags.push(`--max-semi-space-size=${Math.max(1, Math.round(maxYoungGenerationSizeMb / 3))}`);
  return flags;
}

/**
 * PATH, HOME, LANG and NODE_ENV of the daemon's, then the plugin's own `env`: nothing else (the daemon's secrets stay).
 * As another user, HOME is that user's (from the user database), never the daemon's.
 */
export function cleanEnvironment(settings: ProcessSettings, ids: ProcessIds): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  if (ids.uid !== undefined) env.HOME = homeOf(ids.uid);
  return { ...env, ...settings.env };
}
