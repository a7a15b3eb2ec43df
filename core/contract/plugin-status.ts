// What the daemon says of its plugins: one entry of `plugins.list` and
// `plugins.status`, and what a rescan did. Read by the CLI, the dashboard and
// library users; declared once here, as JSON Schema (it is each built-in's
// declared result, so `rpc.discover` is exact) with its type derived from it.

import { Type, type Static } from '@sinclair/typebox';

const Timestamp = Type.String({ description: 'ISO 8601' });

export const PluginStateSchema = Type.Union([
  Type.Literal('discovered'),
  Type.Literal('loading'),
  Type.Literal('ready'),
  Type.Literal('draining'),
  Type.Literal('stopped'),
  Type.Literal('crashed'),
  Type.Literal('backoff'),
  Type.Literal('failed'),
  Type.Literal('idle'),
]);
export type PluginState = Static<typeof PluginStateSchema>;

export const IsolationSchema = Type.Union([Type.Literal('thread'), Type.Literal('process')]);
/** Where a plugin runs: a worker thread of the daemon, or a process of its own. */
export type Isolation = Static<typeof IsolationSchema>;

export const PluginStatusSchema = Type.Object({
  name: Type.String(),
  version: Type.Optional(Type.String()),
  state: PluginStateSchema,
  activation: Type.Union([Type.Literal('eager'), Type.Literal('onCall')], {
    description: "'onCall': its worker starts at its first call and stops after idleStopMs without one (state idle)",
  }),
  path: Type.String(),
  entry: Type.String(),
  methods: Type.Array(Type.String()),
  isolation: IsolationSchema,
  channel: Type.Union([Type.Literal('sab'), Type.Literal('postmessage'), Type.Literal('shm'), Type.Literal('pipe')], {
    description: "'sab' or 'postmessage' for a thread, 'shm' or 'pipe' for a process",
  }),
  sharedWorker: Type.Optional(
    Type.String({ description: 'The shared worker it runs in with other plugins (plugins.<name>.sharedWorker)' }),
  ),
  threadId: Type.Optional(Type.Integer()),
  pid: Type.Optional(Type.Integer({ description: "The plugin's own process, when it runs in one" })),
  served: Type.Integer(),
  inFlight: Type.Integer(),
  restarts: Type.Integer(),
  reloads: Type.Integer(),
  lastError: Type.Optional(
    Type.String({ description: 'The latest crash or load failure, kept after recovery so a crash loop stays visible' }),
  ),
  lastErrorAt: Type.Optional(Timestamp),
  nextRestartAt: Type.Optional(Timestamp),
  readySince: Type.Optional(Timestamp),
  paused: Type.Boolean(),
  heap: Type.Optional(
    Type.Object({ used: Type.Number(), limit: Type.Number() }, { description: "The serving worker's heap, in bytes" }),
  ),
  eventLoopUtilization: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: "The serving worker's event-loop utilisation" }),
  ),
  loops: Type.Optional(
    Type.Object(
      { iterations: Type.Integer(), errors: Type.Integer() },
      { description: "Iterations of the serving worker's ctx.loops, and how many threw" },
    ),
  ),
});
/** One entry of `plugins.list` / `plugins.status`. */
export type PluginStatus = Static<typeof PluginStatusSchema>;

export const SkippedEntrySchema = Type.Object({ path: Type.String(), reason: Type.String() });
/** An entry of the plugin folder that was not loaded, and why. */
export type SkippedEntry = Static<typeof SkippedEntrySchema>;

export const RescanSummarySchema = Type.Object({
  loaded: Type.Array(Type.String()),
  reloaded: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
  unloaded: Type.Array(Type.String()),
  failed: Type.Array(Type.Object({ name: Type.String(), error: Type.String() })),
  skipped: Type.Array(SkippedEntrySchema),
});
/** What a rescan (start, SIGHUP, `daemon.reload`, `plugins.reload` of all) did. */
export type RescanSummary = Static<typeof RescanSummarySchema>;

export const DaemonReloadSummarySchema = Type.Composite([
  RescanSummarySchema,
  Type.Object({
    config: Type.Object({
      applied: Type.Array(Type.String(), { description: 'Keys of plugd.json whose new value is in effect' }),
      needsRestart: Type.Array(Type.String(), { description: 'Keys whose new value waits for a restart' }),
    }),
  }),
]);
/** What `daemon.reload` (and SIGHUP) did: the rescan, and what the re-read plugd.json changed. */
export type DaemonReloadSummary = Static<typeof DaemonReloadSummarySchema>;
/** What a re-read plugd.json changed. */
export type ConfigChanges = DaemonReloadSummary['config'];

export const ReloadOneSchema = Type.Object({ name: Type.String(), changed: Type.Boolean() });
/** What `plugins.reload {name}` did. */
export type ReloadOne = Static<typeof ReloadOneSchema>;
