// Finds the plugins in a folder. A plugin is a folder whose package.json has a
// `plugd` field, or a single `NAME.plugin.{js,mjs,cjs,ts,mts,cts}` file. Everything else
// is skipped with a reason, never an exception: a folder with junk in it still
// loads its good plugins.

import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { execCommand, inspectExecFile, inspectExecManifest, PLUGD_MANIFEST } from './exec-discovery.js';

export interface PluginSource {
  name: string;
  version?: string;
  /** The plugin's folder, or its single file. */
  path: string;
  /** The module to compile and load. */
  entry: string;
  /** What the plugin's manifest asks for (`"plugd": {"isolation": ...}`); the operator's config wins. */
  isolation?: 'thread' | 'process' | 'auto';
  /** The manifest's `"plugd": {"activation": ...}`; the operator's config wins. */
  activation?: 'eager' | 'onCall';
  /** A stdio plugin's command line (docs/PROTOCOL.md); its `entry` is the executable, or the script the command names. */
  exec?: string[];
  /** The manifest's `engines.plugd`: the plugd versions it runs under (a semver range, checked at load). */
  engines?: string;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface Discovery {
  plugins: PluginSource[];
  skipped: Skipped[];
}

const PLUGIN_FILE = /^(.+)\.plugin\.(js|mjs|cjs|ts|mts|cts)$/;
const NO_MANIFEST = 'folder without package.json';
/** Plugin names prefix method names, so they must read well in one. */
const PLUGIN_NAME = /^[a-z0-9][a-z0-9_-]*$/i;
/** Prefixes of the daemon's own methods. */
export const RESERVED_NAMES = new Set(['daemon', 'plugins', 'system', 'rpc', 'worker']);

/** A package named @scope/name is the plugin `name`. */
export function pluginNameOfPackage(packageName: string): string {
  return packageName.slice(packageName.lastIndexOf('/') + 1);
}

export function validatePluginName(name: string): string | undefined {
  if (!PLUGIN_NAME.test(name)) return `"${name}" is not a valid plugin name (letters, digits, "-" and "_")`;
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved for the daemon's own methods`;
  return undefined;
}

/** The plugin's folder: a folder plugin's own, or the one holding a single-file plugin (`ctx.dir`, a process plugin's cwd). */
export function pluginFolder(source: PluginSource): string {
  return source.entry === source.path ? dirname(source.path) : source.path;
}

/** Reads one candidate (a folder or a file); returns the plugin or why it is not one. */
export function inspectCandidate(path: string): PluginSource | Skipped {
  const full = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(full).isDirectory();
  } catch (error) {
    return { path: full, reason: `cannot read: ${(error as Error).message}` };
  }
  return isDirectory ? inspectFolder(full) : inspectFile(full);
}

function inspectFile(path: string): PluginSource | Skipped {
  const match = PLUGIN_FILE.exec(path.slice(path.lastIndexOf('/') + 1));
  if (path.endsWith('.plugin')) return withValidName(inspectExecFile(path));
  if (!match)
    return {
      path,
      reason:
        'not a plugin (expected a folder with package.json or plugd.json, a NAME.plugin.{js,mjs,cjs,ts,mts,cts} file or an executable NAME.plugin)',
    };
  return withValidName({ name: match[1], path, entry: path });
}

function inspectFolder(path: string): PluginSource | Skipped {
  const manifestPath = join(path, 'package.json');
  if (!existsSync(manifestPath))
    return existsSync(join(path, PLUGD_MANIFEST))
      ? withValidName(inspectExecManifest(path))
      : { path, reason: NO_MANIFEST };
  let manifest: { name?: unknown; version?: unknown; main?: unknown; plugd?: unknown; engines?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    return { path, reason: `broken package.json: ${(error as Error).message}` };
  }
  if (!manifest || typeof manifest !== 'object' || manifest.plugd === undefined) {
    return { path, reason: 'package.json has no "plugd" field' };
  }
  if (typeof manifest.name !== 'string') return { path, reason: 'package.json has no "name"' };
  const plugd = manifest.plugd as { entry?: unknown; isolation?: unknown; exec?: unknown; activation?: unknown };
  const engines = (manifest.engines as { plugd?: unknown } | undefined)?.plugd;
  if (engines !== undefined && typeof engines !== 'string')
    return { path, reason: 'package.json "engines.plugd" is not a string' };
  const name = pluginNameOfPackage(manifest.name);
  const version = typeof manifest.version === 'string' ? manifest.version : undefined;
  if (typeof plugd === 'object' && plugd !== null && plugd.exec !== undefined) {
    const command = execCommand(path, plugd.exec, 'package.json "plugd.exec"');
    return 'reason' in command
      ? { path, reason: command.reason }
      : withValidName({ name, version, path, ...command, engines });
  }
  const entryField =
    (typeof plugd === 'object' && plugd !== null ? plugd.entry : undefined) ?? manifest.main ?? 'index.js';
  if (typeof entryField !== 'string') return { path, reason: 'package.json "plugd.entry" is not a string' };
  const entry = resolve(path, entryField);
  if (!existsSync(entry)) return { path, reason: `entry ${entryField} does not exist (build the plugin first?)` };
  const isolation = typeof plugd === 'object' && plugd !== null ? plugd.isolation : undefined;
  if (isolation !== undefined && isolation !== 'thread' && isolation !== 'process' && isolation !== 'auto') {
    return { path, reason: 'package.json "plugd.isolation" is not "thread", "process" or "auto"' };
  }
  const activation = typeof plugd === 'object' && plugd !== null ? plugd.activation : undefined;
  if (activation !== undefined && activation !== 'eager' && activation !== 'onCall') {
    return { path, reason: 'package.json "plugd.activation" is not "eager" or "onCall"' };
  }
  return withValidName({ name, version, path, entry, isolation, activation, engines });
}

function withValidName(source: PluginSource | Skipped): PluginSource | Skipped {
  if (isSkipped(source)) return source;
  const problem = validatePluginName(source.name);
  return problem ? { path: source.path, reason: problem } : source;
}

/**
 * Leaves out folders without package.json that hold files a plugin's build
 * read (`inputs`): they hold that plugin's helpers, they are not junk.
 */
export function withoutHelperFolders(skipped: Skipped[], inputs: Iterable<string>): Skipped[] {
  const read = [...inputs];
  return skipped.filter(
    (skip) => skip.reason !== NO_MANIFEST || !read.some((input) => input.startsWith(skip.path + sep)),
  );
}

export function isSkipped(candidate: PluginSource | Skipped): candidate is Skipped {
  return 'reason' in candidate;
}

/** Editor settings beside single-file plugins (`plugd new --file` writes one): not plugins, and not junk. */
const EDITOR_FILES = new Set(['tsconfig.json', 'jsconfig.json']);

/** Scans a plugin folder. Hidden entries (dotfiles, build folders) and editor settings are ignored silently. */
export function discoverPlugins(dir: string): Discovery {
  const discovery: Discovery = { plugins: [], skipped: [] };
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return discovery;
    throw error;
  }
  const byName = new Map<string, PluginSource>();
  for (const name of names) {
    if (name.startsWith('.') || name === 'node_modules' || EDITOR_FILES.has(name)) continue;
    const candidate = inspectCandidate(join(dir, name));
    if (isSkipped(candidate)) {
      discovery.skipped.push(candidate);
      continue;
    }
    const first = byName.get(candidate.name);
    if (first) {
      discovery.skipped.push({
        path: candidate.path,
        reason: `plugin name "${candidate.name}" is already taken by ${first.path}`,
      });
      continue;
    }
    byName.set(candidate.name, candidate);
    discovery.plugins.push(candidate);
  }
  return discovery;
}
