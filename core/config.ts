// The daemon's configuration: `$PLUGD_HOME/plugd.json` (optional) merged over
// the defaults, then command-line flags over both. Unknown keys are an error
// that names them, so a typo never silently does nothing.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { compileSchema, describeErrors } from './schema.js';
import { resolveHome } from './paths.js';
import { ADDRESS_PATTERN } from './address.js';

const Millis = Type.Integer({ minimum: 1 });

const RestartSchema = Type.Object(
  {
    initialDelayMs: Type.Integer({ minimum: 0 }),
    maxDelayMs: Type.Integer({ minimum: 0 }),
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

const SupervisionSchema = Type.Object(
  {
    loadTimeoutMs: Millis,
    drainTimeoutMs: Millis,
    callTimeoutMs: Millis,
    heartbeatTimeoutMs: Millis,
    snapshotTimeoutMs: Millis,
    pauseTimeoutMs: Millis,
    restart: RestartSchema,
    resourceLimits: ResourceLimitsSchema,
  },
  { additionalProperties: false },
);

export type Supervision = Static<typeof SupervisionSchema>;

/** What a config file may say about supervision: any part of it. */
const SupervisionOverrideSchema = Type.Object(
  {
    ...Type.Partial(SupervisionSchema).properties,
    restart: Type.Optional(Type.Partial(RestartSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export type SupervisionOverride = Static<typeof SupervisionOverrideSchema>;

const LimitsSchema = Type.Object(
  {
    maxLineBytes: Type.Integer({ minimum: 1024 }),
    maxConnections: Type.Integer({ minimum: 1 }),
    maxInFlightPerConnection: Type.Integer({ minimum: 1 }),
    maxInFlightPerPlugin: Type.Integer({ minimum: 1 }),
    /** A connection that sends nothing for this long is closed (0: never). */
    idleTimeoutMs: Type.Integer({ minimum: 0 }),
    /** A client that leaves this many answer bytes unread is cut off at once. */
    maxPendingWriteBytes: Type.Integer({ minimum: 1024 }),
    /** A client whose answers back up and that reads none of them for this long is cut off. */
    slowReaderGraceMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export type Limits = Static<typeof LimitsSchema>;

/** Where plugins run: a worker thread, a process of their own, or a process when they hold native code. */
const IsolationSchema = Type.Union([Type.Literal('thread'), Type.Literal('process'), Type.Literal('auto')]);
export type IsolationSetting = Static<typeof IsolationSchema>;

/** A user or group: a name or a number. */
const Principal = Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })]);

/** `HOST:PORT`; IPv6 hosts in brackets. */
const Address = Type.String({ pattern: ADDRESS_PATTERN });

const ConfigFileSchema = Type.Object(
  {
    pluginDir: Type.Optional(Type.String({ minLength: 1 })),
    watch: Type.Optional(Type.Boolean()),
    tcp: Type.Optional(Address),
    tcpAllowRemote: Type.Optional(Type.Boolean()),
    metrics: Type.Optional(Address),
    niceness: Type.Optional(Type.Integer({ minimum: -20, maximum: 19 })),
    spareWorker: Type.Optional(Type.Boolean()),
    limits: Type.Optional(Type.Partial(LimitsSchema, { additionalProperties: false })),
    channel: Type.Optional(Type.Union([Type.Literal('sab'), Type.Literal('postmessage')])),
    isolation: Type.Optional(IsolationSchema),
    supervision: Type.Optional(SupervisionOverrideSchema),
    plugins: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            config: Type.Optional(Type.Unknown()),
            supervision: Type.Optional(SupervisionOverrideSchema),
            isolation: Type.Optional(IsolationSchema),
            /** Process isolation only: who the process runs as (the daemon must be root), and what it adds to its clean environment. */
            user: Type.Optional(Principal),
            group: Type.Optional(Principal),
            env: Type.Optional(Type.Record(Type.String(), Type.String())),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;

export const DEFAULT_SUPERVISION: Supervision = {
  loadTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
  callTimeoutMs: 30_000,
  heartbeatTimeoutMs: 5_000,
  snapshotTimeoutMs: 5_000,
  pauseTimeoutMs: 10_000,
  restart: { initialDelayMs: 100, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 60_000 },
  resourceLimits: { maxOldGenerationSizeMb: 256 },
};

export const DEFAULT_LIMITS: Limits = {
  maxLineBytes: 1024 * 1024,
  maxConnections: 1024,
  maxInFlightPerConnection: 256,
  maxInFlightPerPlugin: 1024,
  idleTimeoutMs: 10 * 60_000,
  maxPendingWriteBytes: 64 * 1024 * 1024,
  slowReaderGraceMs: 10_000,
};

/** The resolved configuration the daemon runs with. */
export interface Config {
  home: string;
  pluginDir: string;
  watch: boolean;
  tcp?: string;
  tcpAllowRemote: boolean;
  metrics?: string;
  niceness?: number;
  /** Keep a booted worker waiting, so reloads and restarts skip a thread's boot. */
  spareWorker: boolean;
  limits: Limits;
  channel: 'sab' | 'postmessage';
  isolation: IsolationSetting;
  supervision: Supervision;
  plugins: NonNullable<ConfigFile['plugins']>;
}

/** What the command line (or a library user) can set over the file. */
export interface ConfigOverrides {
  home?: string;
  pluginDir?: string;
  watch?: boolean;
  tcp?: string;
  tcpAllowRemote?: boolean;
  metrics?: string;
  niceness?: number;
  /** Used instead of reading `plugd.json` (library users). */
  file?: ConfigFile;
}

const validateConfigFile = compileSchema(ConfigFileSchema);

export function parseConfigFile(text: string, path: string): ConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!validateConfigFile(data)) {
    throw new Error(`${path}: ${describeErrors(validateConfigFile.errors, 'config')}`);
  }
  return data as ConfigFile;
}

function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseConfigFile(text, path);
}

export function mergeSupervision(base: Supervision, override: SupervisionOverride | undefined): Supervision {
  if (!override) return base;
  return {
    ...base,
    ...override,
    restart: { ...base.restart, ...override.restart },
    resourceLimits: { ...base.resourceLimits, ...override.resourceLimits },
  };
}

export function loadConfig(overrides: ConfigOverrides = {}): Config {
  const home = resolveHome(overrides.home);
  const file = overrides.file ?? readConfigFile(join(home, 'plugd.json'));
  return {
    home,
    pluginDir: resolve(home, overrides.pluginDir ?? file.pluginDir ?? 'plugins'),
    watch: overrides.watch ?? file.watch ?? false,
    tcp: overrides.tcp ?? file.tcp,
    tcpAllowRemote: overrides.tcpAllowRemote ?? file.tcpAllowRemote ?? false,
    metrics: overrides.metrics ?? file.metrics,
    niceness: overrides.niceness ?? file.niceness,
    spareWorker: file.spareWorker ?? true,
    limits: { ...DEFAULT_LIMITS, ...file.limits },
    channel: file.channel ?? 'sab',
    isolation: file.isolation ?? 'auto',
    supervision: mergeSupervision(DEFAULT_SUPERVISION, file.supervision),
    plugins: file.plugins ?? {},
  };
}

/** The supervision one plugin runs under: the defaults, then its own override. */
export function supervisionFor(config: Config, plugin: string): Supervision {
  return mergeSupervision(config.supervision, config.plugins[plugin]?.supervision);
}
