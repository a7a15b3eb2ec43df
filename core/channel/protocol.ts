// Everything that crosses the core↔worker boundary, declared once and imported
// by both the host (core/host) and the worker runtime (core/worker/runtime.ts), and the
// answer shapes that the CLI reads back from the daemon. docs/ARCHITECTURE.md
// ("The protocol") tells how the pieces fit.
//
// Two paths carry the messages:
// - the channel (a SharedArrayBuffer ring, or the postMessage baseline) carries
//   the hot path: calls, their answers, signals and hook events. Its messages
//   are JSON data.
// - the control port (a worker's parentPort) carries orders with ids and the
//   replies that answer those ids, plus the worker's log lines. Its messages are
//   structured-clone data (a snapshot may hold a Map or a Date).

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
  /** Deadline for one call; 0 means none. */
  timeoutMs?: number;
}

export type JsonSchema = Record<string, unknown>;

/** The name a client calls: the plugin's name, a dot, the method's local name. */
export function qualifiedMethodName(plugin: string, method: string): string {
  return `${plugin}.${method}`;
}

/** Hooks whose events are forwarded into workers (`ctx.hooks.<name>.tap`), with the arguments a tap receives. */
export interface ForwardedHookArgs {
  pluginLoaded: [PluginEvent];
  pluginUnloaded: [PluginEvent];
  signal: [string];
  reload: [ReloadRequest];
  shutdown: [];
}
export type ForwardedHook = keyof ForwardedHookArgs;
export const FORWARDED_HOOKS: readonly ForwardedHook[] = [
  'pluginLoaded',
  'pluginUnloaded',
  'signal',
  'reload',
  'shutdown',
];

/** A plugin as hook events name it. */
export interface PluginEvent {
  name: string;
  version?: string;
  path: string;
}

/** What asked for a reload, as hook events tell it. */
export interface ReloadRequest {
  /** One plugin, or every plugin when absent. */
  name?: string;
  force?: boolean;
  source: 'signal' | 'rpc' | 'watch';
}

// ---- boot --------------------------------------------------------------------

/** What a worker is started with, before it knows which plugin it will run. */
export interface WorkerBootData {
  /** Opaque to the worker runtime: handed to `attachChannel` (core/channel/open.ts). */
  channel: unknown;
  /** The buffer of an Int32Array of HEALTH_CELLS cells (see HealthCell). */
  health: SharedArrayBuffer;
  heartbeatIntervalMs: number;
  logLevel: string;
  /** Booted ahead of need (a spare): it loads the logger while it waits, so the load it gets does not. */
  spare: boolean;
  /**
   * Hosts several plugins (a shared worker, core/host/shared-worker.ts): the
   * member a call, an order or a reply is for is its id modulo
   * SHARED_MEMBER_SLOTS, the member of a signal, a hook event or a log line
   * its `member`.
   */
  shared?: boolean;
}

/** Members one shared worker can hold at once: ids of calls and orders carry the member in their low part. */
export const SHARED_MEMBER_SLOTS = 1024;

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
  /** In a shared worker: the member it is for. */
  member?: number;
}

export interface HookMessage {
  t: 'hook';
  hook: ForwardedHook;
  args: unknown[];
  /** In a shared worker: the member it is for. */
  member?: number;
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

// ---- control port -----------------------------------------------------------

/** What a loaded plugin declared, reported once its `setup` finished. */
export interface WorkerManifest {
  methods: MethodSpec[];
  signals: string[];
  hooks: ForwardedHook[];
  snapshot: boolean;
  /** How many `ctx.loop`s setup declared (absent: none; a stdio plugin has none). */
  loops?: number;
}

/** Each order the core gives a worker, and what its reply carries. */
export interface ControlOrders {
  /** `dir`: the plugin's folder (a single-file plugin's: the folder holding it), its `ctx.dir`. */
  load: { order: { name: string; entryUrl: string; config: unknown; dir: string }; reply: WorkerManifest };
  pause: { order: {}; reply: void };
  resume: { order: {}; reply: void };
  snapshot: { order: {}; reply: unknown };
  restore: { order: { state: unknown }; reply: void };
  /** The reply lists what the plugin's `onShutdown` handlers threw. */
  stop: { order: {}; reply: string[] };
}
export type ControlPhase = keyof ControlOrders;

/** An order, with the id its reply will carry. */
export type ControlOrder = {
  [P in ControlPhase]: { id: number; t: P } & ControlOrders[P]['order'];
}[ControlPhase];

/** The worker's answer to order `id`: its value, or why it failed. */
export type ControlReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; message: string };

/** What a worker says without being asked: a line of its log (pino JSON). */
export interface LogReport {
  t: 'log';
  line: string;
  /** In a shared worker: the member that wrote it. */
  member?: number;
}

export type WorkerReport = ControlReply | LogReport;

// ---- a plugin in its own process ---------------------------------------------

/**
 * What a plugin process is started with (its argv, JSON): the boot data
 * without the health cells, which a process cannot share (it reports them).
 */
export type ProcessBootData = Omit<WorkerBootData, 'health'> & {
  /** The process the plugin process must not outlive. */
  daemonPid: number;
};

/**
 * What crosses a plugin process's IPC channel besides the pipe transport's own
 * envelopes: orders in, and out its reports, its health cells (with its
 * event-loop utilisation) every heartbeat, and why it is about to die.
 */
export type ProcessEnvelope =
  | { plugdControl: ControlOrder }
  | { plugdReport: WorkerReport }
  | { plugdHealth: { cells: number[]; elu: number } }
  | { plugdFatal: string };
