// The seam between a plugin's supervision and the kind of worker that runs it.
// PluginWorker (plugin-worker.ts) drives one version of one plugin through
// this interface alone, so a worker thread (thread-backend.ts) and a plugin in
// its own OS process implement the same five things: boot, a call channel, a
// control port, shared health cells, and a death to report.

import type { Readable } from 'node:stream';
import type { ResourceLimits } from 'node:worker_threads';
import type { CoreToWorker, ControlOrder, WorkerBootData, WorkerToCore } from '../channel/protocol.js';
import type { ChannelKind, ProcessChannelKind, Transport } from '../channel/transport.js';
import type { Isolation } from '../contract/plugin-status.js';

/** The call channel of a worker: 'sab' or 'postmessage' (thread), 'shm' or 'pipe' (process). */
export type WorkerChannelKind = ChannelKind | ProcessChannelKind;

interface SlotLimits {
  resourceLimits: ResourceLimits;
  heartbeatTimeoutMs: number;
  logLevel: string;
  /** `plugins.<name>.sharedWorker`: the worker shared with the other plugins naming it (shared-worker.ts). */
  sharedWorker?: string;
}

/** A worker thread of the daemon, on the call channel the config names. */
export interface ThreadSlot extends SlotLimits {
  isolation: 'thread';
  channel: ChannelKind;
  /** A thread has no process of its own: said, so that any slot's `process` reads as undefined. */
  process?: undefined;
  exec?: undefined;
}

/** A plugin in its own process: how it is started makes the slot the plugin's alone. */
export interface ProcessSlot extends SlotLimits {
  isolation: 'process';
  channel: ProcessChannelKind;
  process: ProcessSettings;
  /** A stdio plugin's command (docs/PROTOCOL.md): the process is that program, not a Node runtime. */
  exec?: ExecSettings;
}

/** A stdio plugin's process: its own pipes are its channel. */
export interface ExecSlot extends ProcessSlot {
  channel: 'pipe';
  exec: ExecSettings;
}

/** What a worker is booted with, before it knows which plugin it will run (a spare is booted this way). */
export type WorkerSlot = ThreadSlot | ProcessSlot;

export function isExecSlot(slot: ProcessSlot): slot is ExecSlot {
  return slot.exec !== undefined && slot.channel === 'pipe';
}

/** What any kind of worker is told at boot about itself: its heartbeat (five beats per deadline), log level, spare or not, shared or not. */
export function bootSettings(
  slot: WorkerSlot,
  spare: boolean,
): Pick<WorkerBootData, 'heartbeatIntervalMs' | 'logLevel' | 'spare' | 'shared'> {
  const heartbeatIntervalMs = Math.max(10, Math.floor(slot.heartbeatTimeoutMs / 5));
  return {
    heartbeatIntervalMs,
    logLevel: slot.logLevel,
    spare,
    ...(slot.sharedWorker !== undefined && { shared: true }),
  };
}

export interface ProcessSettings {
  /** Names the process's shared memory (`plugd-<plugin>`). */
  plugin: string;
  /** The plugin's folder (or the folder of its single file). */
  cwd: string;
  /** Added to the clean environment a plugin process gets. */
  env: Record<string, string>;
  user?: string | number;
  group?: string | number;
}

/** How a stdio plugin is started, besides its process settings (exec-backend.ts). */
export interface ExecSettings {
  /** The command line, its program first. */
  argv: string[];
  /** The file it runs (the executable, or the script the command names): what `sha256` pins. */
  entry: string;
  /** `plugins.<name>.sha256`: the entry's digest, checked before each start. */
  sha256?: string;
  /** `limits.maxLineBytes`: the longest line the child may write. */
  maxLineBytes: number;
}

export interface WorkerBackend {
  readonly isolation: Isolation;
  readonly channelKind: WorkerChannelKind;
  /** The thread id or the process id. */
  readonly id: number;
  /** Calls, their answers, signals and hook events. */
  readonly channel: Transport<WorkerToCore, CoreToWorker>;
  /** HEALTH_CELLS cells the worker publishes its heartbeat, heap and loop counts in (see protocol.ts). */
  readonly health: Int32Array;
  /** What the plugin's code writes to its standard output and error. */
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Sends an order on the control port; ignored once the worker is gone. */
  post(order: ControlOrder): void;
  /** Sets the one listener for what arrives on the control port: replies and log lines, unchecked (PluginWorker checks them). */
  onReport(listener: (report: unknown) => void): void;
  /** Sets the one listener for protocol violations the backend itself finds (a malformed envelope, a broken pipe frame). */
  onViolation(listener: (reason: string) => void): void;
  /** Sets the one listener for the worker's end, told once, with why it ended. */
  onExit(listener: (reason: string) => void): void;
  /** Event-loop utilisation (0..1) since the previous call. */
  eventLoopUtilization(): number;
  /** Call `id` passed its deadline: the worker may stop working on it (a stdio plugin is told; others need not be). */
  cancel?(id: number): void;
  /** Ends the worker now; resolves once it is gone. `reason` says why (a shared worker tells its other members). */
  terminate(reason?: string): Promise<void>;
  /** A plugin's part of a shared worker: it leaves (stopped, or its load failed) and the worker serves the others on. */
  leave?(): Promise<void>;
}
