// The daemon's configuration: `$PLUGD_HOME/plugd.json` (optional) merged over
// the defaults, then command-line flags over both. Unknown keys are an error
// that names them, so a typo never silently does nothing.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { compileSchema, describeErrors } from './schema.js';

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

const ConfigFileSchema = Type.Object(
  {
    pluginDir: Type.Optional(Type.String({ minLength: 1 })),
    watch: Type.Optional(Type.Boolean()),
    channel: Type.Optional(Type.Union([Type.Literal('sab'), Type.Literal('postmessage')])),
    supervision: Type.Optional(SupervisionOverrideSchema),
    plugins: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          { config: Type.Optional(Type.Unknown()), supervision: Type.Optional(SupervisionOverrideSchema) },
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
  restart: { initialDelayMs: 100, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 60_000 },
  resourceLimits: { maxOldGenerationSizeMb: 256 },
};

/** The resolved configuration the daemon runs with. */
export interface Config {
  home: string;
  pluginDir: string;
  watch: boolean;
  channel: 'sab' | 'postmessage';
  supervision: Supervision;
  plugins: NonNullable<ConfigFile['plugins']>;
}

/** What the command line (or a library user) can set over the file. */
export interface ConfigOverrides {
  home?: string;
  pluginDir?: string;
  watch?: boolean;
  /** Used instead of reading `plugd.json` (library users). */
  file?: ConfigFile;
}

export function resolveHome(home?: string): string {
  return resolve(home ?? process.env.PLUGD_HOME ?? join(homedir(), '.plugd'));
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
    channel: file.channel ?? 'sab',
    supervision: mergeSupervision(DEFAULT_SUPERVISION, file.supervision),
    plugins: file.plugins ?? {},
  };
}

/** The supervision one plugin runs under: the defaults, then its own override. */
export function supervisionFor(config: Config, plugin: string): Supervision {
  return mergeSupervision(config.supervision, config.plugins[plugin]?.supervision);
}
