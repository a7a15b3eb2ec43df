// The daemon's configuration: `$PLUGD_HOME/plugd.json` (optional) merged over
// the defaults, then command-line flags over both. Unknown keys are an error
// that names them, so a typo never silently does nothing.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileSchema, describeErrors } from './schema.js';
import { resolveHome } from '../home/paths.js';
import {
  ConfigFileSchema,
  type Activation,
  type ConfigFile,
  type DashboardSettings,
  type IsolationSetting,
  type Limits,
  type Supervision,
  type SupervisionOverride,
  type TlsFiles,
  type UpgradeSettings,
} from './config-schema.js';
import { ConfigError } from '../contract/errors.js';

export type {
  Activation,
  ConfigFile,
  DashboardSettings,
  IsolationSetting,
  Limits,
  Supervision,
  SupervisionOverride,
  TlsFiles,
} from './config-schema.js';

export const DEFAULT_SUPERVISION: Supervision = {
  loadTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
  callTimeoutMs: 30_000,
  heartbeatTimeoutMs: 5_000,
  snapshotTimeoutMs: 5_000,
  pauseTimeoutMs: 10_000,
  freezeTimeoutMs: 10_000,
  restart: { initialDelayMs: 100, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 60_000 },
  resourceLimits: { maxOldGenerationSizeMb: 256 },
};

export const DEFAULT_UPGRADE: UpgradeSettings = { drainTimeoutMs: 30_000, readyTimeoutMs: 30_000 };

export const DEFAULT_LIMITS: Limits = {
  maxLineBytes: 1024 * 1024,
  maxConnections: 1024,
  maxInFlightPerConnection: 256,
  maxInFlightPerPlugin: 1024,
  idleTimeoutMs: 10 * 60_000,
  maxPendingWriteBytes: 64 * 1024 * 1024,
  slowReaderGraceMs: 10_000,
  authTimeoutMs: 10_000,
  maxUnauthenticatedConnections: 64,
  pluginLogLinesPerSecond: 1000,
  // Far above real plugins (tens of methods, schemas of a few KB nested under ten deep), far below what stalls a load.
  maxMethodsPerPlugin: 1000,
  maxSchemaBytes: 64 * 1024,
  maxSchemaDepth: 32,
};

export const DEFAULT_DASHBOARD: DashboardSettings = {
  sessionIdleMs: 12 * 60 * 60_000,
};

/** The resolved configuration the daemon runs with. */
export interface Config {
  home: string;
  pluginDir: string;
  watch: boolean;
  tcp?: string;
  tcpAllowRemote: boolean;
  /** TLS on the TCP listener (paths resolved against the home). */
  tcpTls?: TlsFiles;
  /** Folders besides the plugin folder that `plugins.load` may load from (resolved against the home). */
  loadPaths: string[];
  metrics?: string;
  niceness?: number;
  /** Keep a booted worker waiting, so reloads and restarts skip a thread's boot. */
  spareWorker: boolean;
  limits: Limits;
  dashboard: DashboardSettings;
  channel: 'sab' | 'postmessage';
  isolation: IsolationSetting;
  logLevel: string;
  /** The plugins' activation unless their own entry or manifest says otherwise. */
  activation: Activation;
  supervision: Supervision;
  /** `plugd upgrade`'s deadlines. */
  upgrade: UpgradeSettings;
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
  logLevel?: string;
  /** Used instead of reading `plugd.json` (library users). */
  file?: ConfigFile;
}

const validateConfigFile = compileSchema(ConfigFileSchema);

export function parseConfigFile(text: string, path: string): ConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!validateConfigFile(data)) {
    throw new ConfigError(`${path}: ${describeErrors(validateConfigFile.errors, 'config')}`);
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
    tcpTls: file.tcpTls && resolveTls(home, file.tcpTls),
    loadPaths: (file.loadPaths ?? []).map((path) => resolve(home, path)),
    metrics: overrides.metrics ?? file.metrics,
    niceness: overrides.niceness ?? file.niceness,
    spareWorker: file.spareWorker ?? true,
    limits: { ...DEFAULT_LIMITS, ...file.limits },
    dashboard: { ...DEFAULT_DASHBOARD, ...file.dashboard },
    channel: file.channel ?? 'sab',
    isolation: file.isolation ?? 'auto',
    logLevel: overrides.logLevel ?? (process.env.PLUGD_LOG_LEVEL || undefined) ?? file.logLevel ?? 'info',
    activation: file.activation ?? 'eager',
    supervision: mergeSupervision(DEFAULT_SUPERVISION, file.supervision),
    upgrade: { ...DEFAULT_UPGRADE, ...file.upgrade },
    plugins: file.plugins ?? {},
  };
}

function resolveTls(home: string, tls: TlsFiles): TlsFiles {
  return { cert: resolve(home, tls.cert), key: resolve(home, tls.key), ...(tls.ca && { ca: resolve(home, tls.ca) }) };
}

/** The supervision one plugin runs under: the defaults, then its own override. */
export function supervisionFor(config: Config, plugin: string): Supervision {
  return mergeSupervision(config.supervision, config.plugins[plugin]?.supervision);
}

/** How long an onCall plugin's worker stays up without a call, unless its entry says otherwise. */
export const DEFAULT_IDLE_STOP_MS = 10 * 60_000;
