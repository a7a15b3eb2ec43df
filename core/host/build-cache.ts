// The daemon's builds of plugin entries, under its own home (never in a
// plugin's folder, which may be read-only or shared): one folder per entry,
// named by a hash of the entry's path, holding its bundles (the content hash
// in each name) and a record of what the last one was made from. A build is
// reused while none of its input files changed (size and mtime), so a daemon
// starting on unchanged plugins runs no esbuild at all. What is reused runs as
// the daemon's user, so only what this user wrote and no one else could have
// changed is trusted; anything else is built again.

import { createHash, randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PluginError } from '../contract/errors.js';

export interface CompiledPlugin {
  /** file: URL to import in the worker. */
  url: string;
  /** Hash of the entry's path and the compiled code: equal hashes mean nothing changed. */
  hash: string;
  /** Absolute paths of the plugin's own files the build read, the entry first. */
  inputs: string[];
}

/** What a build was made from: each input file's size and mtime, and the SDK it imports. */
interface BuildRecord {
  entry: string;
  hash: string;
  sdk: string;
  inputs: Record<string, string | null>;
}

const RECORD = 'build.json';

/** The folder of one entry's builds. */
export function buildFolder(cacheDir: string, entry: string): string {
  return join(cacheDir, createHash('sha256').update(entry).digest('hex').slice(0, 16));
}

/** Covers the entry's path too: a bundle made for another entry never passes for this one's. */
export function buildHash(entry: string, code: string): string {
  return createHash('sha256').update(entry).update('\0').update(code).digest('hex').slice(0, 16);
}

const bundleName = (entry: string, hash: string) => `${basename(entry).replace(/\.[^.]+$/, '')}.${hash}.mjs`;

const isPrivate = (stats: Stats) => stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0;

/** A file's text, if it is a regular file (not through a symlink) that this user owns and no one else can write. */
export function readPrivate(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    return stats.isFile() && isPrivate(stats) ? readFileSync(fd, 'utf8') : undefined;
  } finally {
    closeSync(fd);
  }
}

function isPrivateFolder(path: string): boolean {
  try {
    const stats = lstatSync(path);
    return stats.isDirectory() && isPrivate(stats);
  } catch {
    return false;
  }
}

function stamp(path: string): string | null {
  try {
    const stats = statSync(path);
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return null;
  }
}

/** The last build of `entry` in `dir`, if it is trusted, intact, and none of its inputs changed since. */
export function reusableBuild(dir: string, entry: string, sdk: string): CompiledPlugin | undefined {
  if (!isPrivateFolder(dir)) return undefined;
  let record: BuildRecord;
  try {
    record = JSON.parse(readPrivate(join(dir, RECORD)) ?? 'null');
  } catch {
    return undefined;
  }
  if (
    !record ||
    record.entry !== entry ||
    record.sdk !== sdk ||
    !(entry in record.inputs) ||
    typeof record.hash !== 'string'
  )
    return undefined;
  const file = join(dir, bundleName(entry, record.hash));
  const code = readPrivate(file);
  if (code === undefined || buildHash(entry, code) !== record.hash) return undefined;
  for (const [path, recorded] of Object.entries(record.inputs)) if (stamp(path) !== recorded) return undefined;
  return { url: pathToFileURL(file).href, hash: record.hash, inputs: Object.keys(record.inputs) };
}

/**
 * Writes a build and its record (unless an input changed while it ran: that
 * build may hold the old text). Fails with the reason when the cache cannot
 * be written (a full disk): the version serving now keeps serving.
 */
export function storeBuild(
  dir: string,
  entry: string,
  sdk: string,
  code: string,
  inputs: string[],
  started: number,
): CompiledPlugin {
  const hash = buildHash(entry, code);
  const file = join(dir, bundleName(entry, hash));
  const stamps = Object.fromEntries(inputs.map((path) => [path, stamp(path)]));
  // From the stamps just taken (`size:mtimeMs`, or null for a file gone).
  const changedDuring = Object.values(stamps).some((taken) => taken === null || Number(taken.split(':')[1]) >= started);
  try {
    privateFolder(dir);
    writeAtomically(file, code);
    if (changedDuring) rmSync(join(dir, RECORD), { force: true });
    else writeAtomically(join(dir, RECORD), JSON.stringify({ entry, hash, sdk, inputs: stamps } satisfies BuildRecord));
  } catch (error) {
    throw new PluginError(`cannot write the build of ${entry} to ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { url: pathToFileURL(file).href, hash, inputs };
}

/** Creates `dir` 0700 whatever the umask; one this user does not own, or others may write, is replaced. */
export function privateFolder(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  if (!isPrivateFolder(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Written aside (0600 whatever the umask), then renamed into place: a worker may be importing the file it replaces. */
export function writeAtomically(file: string, text: string): void {
  const partial = `${file}.${randomUUID()}.tmp`;
  try {
    writeFileSync(partial, text, { mode: 0o600, flag: 'wx' });
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Removes the builds of an entry other than the one now serving (they are in this daemon's own cache). */
export function pruneBuilds(serving: CompiledPlugin): void {
  const file = fileURLToPath(serving.url);
  const dir = dirname(file);
  const stem = basename(file).replace(/\.[0-9a-f]{16}\.mjs$/, '');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // Gone (the cache was cleared): nothing to prune.
  }
  for (const name of names) {
    const isBuildOfStem = name.startsWith(`${stem}.`) && /^[0-9a-f]{16}\.mjs$/.test(name.slice(stem.length + 1));
    if (isBuildOfStem && join(dir, name) !== file) rmSync(join(dir, name), { force: true });
  }
}
