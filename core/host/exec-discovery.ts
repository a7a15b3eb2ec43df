// How a stdio plugin (docs/PROTOCOL.md) is declared, in any of three forms:
// `"plugd": {"exec": [...]}` in a package.json (read by discovery.ts), a
// `plugd.json` manifest in a folder that is no npm package, or an executable
// single file `NAME.plugin`. Each gives the command line and the file it runs
// (the executable, or the script the command names), which the watcher
// follows and `plugins.<name>.sha256` pins.

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, join, resolve } from 'node:path';

/** The manifest of a stdio plugin that is not an npm package. */
export const PLUGD_MANIFEST = 'plugd.json';

/** The protocol versions this plugd speaks (PLUGD_PROTOCOL_VERSIONS). */
export const EXEC_PROTOCOL_VERSIONS = [1];

/** A stdio plugin found (discovery.ts takes it as a PluginSource), or why not. */
export type ExecCandidate =
  | { name: string; version?: string; path: string; entry: string; exec: string[]; engines?: string }
  | { path: string; reason: string };

/** A command line checked and made absolute, and the file it runs. */
export interface ExecCommand {
  exec: string[];
  entry: string;
}

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/**
 * Checks `exec` (what the manifest field `what` holds) and finds the file it
 * runs: a path among its words (relative to the plugin's `folder`), else the
 * command on PATH. A relative program path is made absolute, so it runs
 * whatever the working directory.
 */
export function execCommand(folder: string, exec: unknown, what: string): ExecCommand | { reason: string } {
  if (!Array.isArray(exec) || exec.length === 0 || !exec.every((word) => typeof word === 'string' && word !== '')) {
    return { reason: `${what} is not a non-empty array of non-empty strings` };
  }
  const words = [...(exec as string[])];
  if (words[0].includes('/')) words[0] = resolve(folder, words[0]);
  const script = words
    .map((word) => resolve(folder, word))
    .find((path, index) => (index > 0 || words[0].includes('/')) && isFile(path));
  const entry = script ?? onPath(words[0]);
  if (!entry) return { reason: `${what} names no file that exists: ${words.join(' ')}` };
  return { exec: words, entry };
}

/** Where PATH finds `command`, as the spawn will. */
function onPath(command: string): string | undefined {
  if (command.includes('/')) return undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, command);
    if (isFile(path)) return path;
  }
  return undefined;
}

/** A folder with plugd.json: `{name, exec, version?, protocol?, engines?}`. */
export function inspectExecManifest(folder: string): ExecCandidate {
  let manifest: { name?: unknown; version?: unknown; exec?: unknown; protocol?: unknown; engines?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(folder, PLUGD_MANIFEST), 'utf8'));
  } catch (error) {
    return { path: folder, reason: `broken ${PLUGD_MANIFEST}: ${(error as Error).message}` };
  }
  if (!manifest || typeof manifest !== 'object') return { path: folder, reason: `${PLUGD_MANIFEST} is not an object` };
  if (typeof manifest.name !== 'string') return { path: folder, reason: `${PLUGD_MANIFEST} has no "name"` };
  if (manifest.protocol !== undefined && !EXEC_PROTOCOL_VERSIONS.includes(manifest.protocol as number)) {
    return {
      path: folder,
      reason: `${PLUGD_MANIFEST} asks for protocol ${JSON.stringify(manifest.protocol)}; this plugd speaks ${EXEC_PROTOCOL_VERSIONS.join(', ')}`,
    };
  }
  if (manifest.engines !== undefined && typeof manifest.engines !== 'string')
    return { path: folder, reason: `${PLUGD_MANIFEST} "engines" is not a string` };
  const command = execCommand(folder, manifest.exec, `${PLUGD_MANIFEST} "exec"`);
  if ('reason' in command) return { path: folder, reason: command.reason };
  const version = typeof manifest.version === 'string' ? manifest.version : undefined;
  return { name: manifest.name, version, path: folder, ...command, engines: manifest.engines };
}

/** An executable single file `NAME.plugin` (a shebang script or a binary). */
export function inspectExecFile(path: string): ExecCandidate {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return { path, reason: 'NAME.plugin is not executable (chmod +x it)' };
  }
  if (!isFile(path)) return { path, reason: 'NAME.plugin is not a file' };
  return { name: basename(path).slice(0, -'.plugin'.length), path, entry: path, exec: [path] };
}
