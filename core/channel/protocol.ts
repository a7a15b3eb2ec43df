// The messages that cross the core↔worker boundary, declared once and imported
// by both the host (core/host) and the worker runtime (sdk/runtime.ts).
//
// Two paths carry them:
// - the channel (a SharedArrayBuffer ring, or the postMessage baseline) carries
//   the hot path: calls, their answers, signals and hook events. Its messages
//   are JSON data.
// - the worker's parentPort carries control: load (and setup), pause/resume,
//   snapshot/restore, stop and log lines. Its messages are structured-clone data (a snapshot may hold a
//   Map or a Date).

/** A JSON-RPC error object as it travels back from a plugin. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/** What a plugin declared for one of its methods in `ctx.rpc.method`. */
export interface MethodSpec {
  /** Local name, without the plugin prefix. */
  name: string;
  description?: string;
  params?: JsonSchema;
  result?: JsonSchema;
  timeoutMs?: number;
}

export type JsonSchema = Record<string, unknown>;

/** Hooks whose events are forwarded into workers (`ctx.hooks.<name>.tap`). */
export const FORWARDED_HOOKS = ['pluginLoaded', 'pluginUnloaded', 'signal', 'reload', 'shutdown'] as const;
export type ForwardedHook = (typeof FORWARDED_HOOKS)[number];

// ---- channel: core → worker -------------------------------------------------

export interface CallMessage {
  t: 'call';
  id: number;
  /** Local method name. */
  method: string;
  params: unknown;
}

export interface SignalMessage {
  t: 'signal';
  signal: string;
}

export interface HookMessage {
  t: 'hook';
  hook: ForwardedHook;
  args: unknown[];
}

export type CoreToWorker = CallMessage | SignalMessage | HookMessage;

// ---- channel: worker → core -------------------------------------------------

export interface ResultMessage {
  t: 'result';
  id: number;
  /** The result as JSON text, made once in the worker: the core splices it into the answer line unparsed. */
  json: string;
}

export interface ErrorMessage {
  t: 'error';
  id: number;
  error: WireError;
}

export type WorkerToCore = ResultMessage | ErrorMessage;

export type ChannelMessage = CoreToWorker | WorkerToCore;

// ---- control (parentPort) ---------------------------------------------------

/** The core's orders, sent to the worker's parentPort. */
export type ControlRequest =
  | { t: 'load'; name: string; entryUrl: string; config: unknown }
  | { t: 'pause' }
  | { t: 'resume' }
  | { t: 'snapshot' }
  | { t: 'restore'; state: unknown }
  | { t: 'stop' };

/** The worker's reports, sent on its parentPort. */
export type ControlReport =
  | { t: 'ready'; methods: MethodSpec[]; signals: string[]; hooks: ForwardedHook[]; snapshot: boolean }
  | { t: 'setupFailed'; message: string }
  | { t: 'paused' }
  | { t: 'resumed' }
  | { t: 'snapshot'; state: unknown }
  | { t: 'snapshotFailed'; message: string }
  | { t: 'restored' }
  | { t: 'restoreFailed'; message: string }
  | { t: 'stopped'; errors: string[] }
  | { t: 'log'; line: string };

/**
 * Cells of the small shared Int32Array each worker publishes its health in,
 * read by the core without asking (the heartbeat watchdog, plugins.list).
 */
export const HealthCell = {
  /** Bumped on a timer: if it stops moving, the worker's event loop is stuck. */
  BEAT: 0,
  HEAP_USED_KIB: 1,
  HEAP_LIMIT_KIB: 2,
  LOOP_ITERATIONS: 3,
  LOOP_ERRORS: 4,
} as const;
export const HEALTH_CELLS = 5;
