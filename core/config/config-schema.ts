// The schema of `plugd.json` (README, "Configuration"): what a config file may
// say, checked before anything runs. Every duration is capped at what a Node
// timer can hold: a larger one would fire after 1 ms.

import { Type, type Static } from '@sinclair/typebox';
import { ADDRESS_PATTERN } from '../contract/address.js';

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration in ms; 0 allowed where it means "never". */
const Duration = (minimum: 0 | 1) => Type.Integer({ minimum, maximum: MAX_TIMER_MS });
const Millis = Duration(1);

const RestartSchema = Type.Object(
  {
    initialDelayMs: Duration(0),
    maxDelayMs: Duration(0),
    maxCrashes: Type.Integer({ minimum: 1 }),
    windowMs: Millis,
  },
  { additionalProperties: false },
);

const ResourceLimitsSchema = Type.Object(
  {
    maxOldGenerationSizeMb: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    maxYoungGenerationSizeMb: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    stackSizeMb: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export const SupervisionSchema = Type.Object(
  {
    loadTimeoutMs: Millis,
    drainTimeoutMs: Millis,
    callTimeoutMs: Millis,
    heartbeatTimeoutMs: Millis,
    snapshotTimeoutMs: Millis,
    pauseTimeoutMs: Millis,
    /** How long a stateful plugin's calls may be held while its calls in flight finish, before its snapshot. */
    freezeTimeoutMs: Millis,
    restart: RestartSchema,
    resourceLimits: ResourceLimitsSchema,
  },
  { additionalProperties: false },
);

export type Supervision = Static<typeof SupervisionSchema>;

/** `plugd upgrade`: how long the successor may take to be ready, and the old daemon to drain. */
export const UpgradeSchema = Type.Object(
  { drainTimeoutMs: Millis, readyTimeoutMs: Millis },
  { additionalProperties: false },
);
export type UpgradeSettings = Static<typeof UpgradeSchema>;

/** What a config file may say about supervision: any part of it. */
export const SupervisionOverrideSchema = Type.Object(
  {
    ...Type.Partial(SupervisionSchema).properties,
    restart: Type.Optional(Type.Partial(RestartSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export type SupervisionOverride = Static<typeof SupervisionOverrideSchema>;

export const LimitsSchema = Type.Object(
  {
    maxLineBytes: Type.Integer({ minimum: 1024 }),
    maxConnections: Type.Integer({ minimum: 1 }),
    maxInFlightPerConnection: Type.Integer({ minimum: 1 }),
    maxInFlightPerPlugin: Type.Integer({ minimum: 1 }),
    /** A connection that sends nothing for this long is closed (0: never). */
    idleTimeoutMs: Duration(0),
    /** A client that leaves this many answer bytes unread is cut off at once. */
    maxPendingWriteBytes: Type.Integer({ minimum: 1024 }),
    /** A client whose answers back up and that reads none of them for this long is cut off. */
    slowReaderGraceMs: Duration(0),
    /** A TCP connection that has not authenticated by then (an HTTP one: not sent its first request's headers) is closed. */
    authTimeoutMs: Millis,
    /** TCP connections not yet authenticated, at most: a smaller cap than maxConnections, so token holders always get in. */
    maxUnauthenticatedConnections: Type.Integer({ minimum: 1 }),
    /** Lines a plugin may log per second (after a burst of as many); the rest are dropped and counted. */
    pluginLogLinesPerSecond: Type.Integer({ minimum: 1 }),
    /** Methods one plugin may declare: its schemas compile on the daemon's thread at each load. */
    maxMethodsPerPlugin: Type.Integer({ minimum: 1 }),
    /** The JSON text of one method's params or result schema, in bytes, at most. */
    maxSchemaBytes: Type.Integer({ minimum: 1024 }),
    /** How deep one such schema may nest (objects and arrays). */
    maxSchemaDepth: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export type Limits = Static<typeof LimitsSchema>;

export const DashboardSchema = Type.Object(
  {
    /** A dashboard session unused this long ends (the page asks for the token again). */
    sessionIdleMs: Millis,
  },
  { additionalProperties: false },
);

export type DashboardSettings = Static<typeof DashboardSchema>;

/** PEM files for TLS on the TCP listener; with `ca`, clients must present a certificate it signed. */
const TlsSchema = Type.Object(
  {
    cert: Type.String({ minLength: 1 }),
    key: Type.String({ minLength: 1 }),
    ca: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type TlsFiles = Static<typeof TlsSchema>;

/** Where plugins run: a worker thread, a process of their own, or a process when they hold native code. */
const IsolationSchema = Type.Union([Type.Literal('thread'), Type.Literal('process'), Type.Literal('auto')]);
export type IsolationSetting = Static<typeof IsolationSchema>;

/** pino's levels. */
const LogLevelSchema = Type.Union(
  (['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const).map((level) => Type.Literal(level)),
);
/** When a plugin's worker starts: with the daemon, or at its first call (and stops again after `idleStopMs` without one). */
const ActivationSchema = Type.Union([Type.Literal('eager'), Type.Literal('onCall')]);
export type Activation = Static<typeof ActivationSchema>;

/** A user or group: a name or a number. */
const Principal = Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })]);

/** `HOST:PORT`; IPv6 hosts in brackets. */
const Address = Type.String({ pattern: ADDRESS_PATTERN });

export const ConfigFileSchema = Type.Object(
  {
    pluginDir: Type.Optional(Type.String({ minLength: 1 })),
    watch: Type.Optional(Type.Boolean()),
    tcp: Type.Optional(Address),
    tcpAllowRemote: Type.Optional(Type.Boolean()),
    tcpTls: Type.Optional(TlsSchema),
    loadPaths: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    metrics: Type.Optional(Address),
    niceness: Type.Optional(Type.Integer({ minimum: -20, maximum: 19 })),
    spareWorker: Type.Optional(Type.Boolean()),
    /** The daemon's log level (PLUGD_LOG_LEVEL overrides it). */
    logLevel: Type.Optional(LogLevelSchema),
    limits: Type.Optional(Type.Partial(LimitsSchema, { additionalProperties: false })),
    dashboard: Type.Optional(Type.Partial(DashboardSchema, { additionalProperties: false })),
    channel: Type.Optional(Type.Union([Type.Literal('sab'), Type.Literal('postmessage')])),
    isolation: Type.Optional(IsolationSchema),
    activation: Type.Optional(ActivationSchema),
    supervision: Type.Optional(SupervisionOverrideSchema),
    upgrade: Type.Optional(Type.Partial(UpgradeSchema, { additionalProperties: false })),
    plugins: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            /** The plugin's `ctx.config`: an object. */
            config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            supervision: Type.Optional(SupervisionOverrideSchema),
            isolation: Type.Optional(IsolationSchema),
            /** Process isolation only: who the process runs as (the daemon must be root), and what it adds to its clean environment. */
            user: Type.Optional(Principal),
            group: Type.Optional(Principal),
            env: Type.Optional(Type.Record(Type.String(), Type.String())),
            /** A stdio plugin's executable (or the script its `exec` names) must have this SHA-256 digest, checked before each start. */
            sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
            /** false: the plugin's snapshot is not kept in the home across a stop (state/<plugin>.json). */
            persist: Type.Optional(Type.Boolean()),
            activation: Type.Optional(ActivationSchema),
            /** An onCall plugin's worker stops after this long without a call (its snapshot kept in memory). */
            idleStopMs: Type.Optional(Millis),
            /** Plugins naming one shared worker run in one worker (core/host/shared-worker.ts). */
            sharedWorker: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
