// What the daemon says of itself: `daemon.status` (where it is and what it
// holds) and `daemon.metrics` (the figures `plugd status`, `plugd top` and the
// dashboard show). Declared once, as JSON Schema with types derived from it.

import { Type, type Static } from '@sinclair/typebox';
import { PluginStatusSchema, SkippedEntrySchema } from './plugin-status.js';

const Bytes = Type.Number({ minimum: 0 });
const Seconds = Type.Number({ minimum: 0 });

export const DaemonStatusSchema = Type.Object({
  pid: Type.Integer(),
  version: Type.String(),
  node: Type.String(),
  uptime: Seconds,
  startedAt: Type.String({ description: 'ISO 8601: when this daemon started' }),
  upgradedFrom: Type.Optional(
    Type.Object(
      { pid: Type.Integer(), version: Type.String() },
      { description: 'The daemon this one took over from (plugd upgrade)' },
    ),
  ),
  upgrades: Type.Integer({ description: 'Upgrades in this line of daemons, counting from the first start' }),
  home: Type.String(),
  socket: Type.String(),
  pluginDir: Type.String(),
  watch: Type.Boolean(),
  plugins: Type.Integer(),
  pluginsReady: Type.Integer(),
  pluginsIdle: Type.Integer({ description: 'onCall plugins waiting for their first call, with no worker' }),
  skipped: Type.Array(SkippedEntrySchema),
  methods: Type.Integer(),
  connections: Type.Integer(),
  tcp: Type.Optional(Type.String({ description: 'HOST:PORT of the TCP listener, an IPv6 host in brackets' })),
  tcpTls: Type.Boolean(),
  metrics: Type.Optional(Type.String({ description: 'HOST:PORT of the Prometheus endpoint' })),
  memory: Type.Object({ rss: Bytes, heapUsed: Bytes, heapTotal: Bytes, external: Bytes }),
});
export type DaemonStatus = Static<typeof DaemonStatusSchema>;

const Millis = Type.Number({ minimum: 0 });

/** Calls of one method, or of one plugin's methods together. */
export const StatsViewSchema = Type.Object({
  calls: Type.Integer(),
  inFlight: Type.Integer(),
  errors: Type.Record(Type.String(), Type.Integer(), { description: 'Errors by code' }),
  callsPerSecond: Type.Number({ description: 'Calls answered in the last second' }),
  rateHistory: Type.Array(Type.Number(), { description: 'calls/s for each of the last seconds, newest last' }),
  latencyMs: Type.Object({ p50: Millis, p90: Millis, p99: Millis, max: Millis }),
});
export type StatsView = Static<typeof StatsViewSchema>;

export const PluginMetricsSchema = Type.Composite([
  StatsViewSchema,
  Type.Pick(PluginStatusSchema, [
    'state',
    'activation',
    'paused',
    'restarts',
    'heap',
    'eventLoopUtilization',
    'loops',
    'isolation',
    'channel',
    'readySince',
    'lastError',
    'lastErrorAt',
    'nextRestartAt',
    'methods',
  ]),
  Type.Object({
    crashWindowMs: Type.Integer({
      description: 'The crash-counting window of its restart policy: a restart within it is still a crash loop',
    }),
  }),
]);
/** One plugin in `daemon.metrics`. */
export type PluginMetrics = Static<typeof PluginMetricsSchema>;

export const DaemonMetricsSchema = Type.Object({
  daemon: Type.Object({
    pid: Type.Integer(),
    version: Type.String(),
    socket: Type.String(),
    pluginDir: Type.String(),
    rss: Bytes,
    heapUsed: Bytes,
    eventLoopDelayMs: Type.Object({ p50: Millis, p99: Millis, max: Millis }),
    uptime: Seconds,
  }),
  methods: Type.Record(Type.String(), StatsViewSchema),
  plugins: Type.Record(Type.String(), PluginMetricsSchema),
});
export type DaemonMetrics = Static<typeof DaemonMetricsSchema>;
