// Turns a plugin's entry into one ES module the worker can import. esbuild
// bundles the plugin's own files (TypeScript included) and leaves its packages
// to Node's resolution from its folder. `plugd/sdk` is the running daemon's
// SDK, built as one file (TypeBox included): a plugin dropped anywhere needs
// no plugd of its own, and a worker reads one file where TypeBox alone is a
// hundred modules (50 ms of every load). The output's hash tells whether a
// reload has anything new to load. A build is reused while none of its input
// files changed (size and mtime), so a daemon starting on unchanged plugins
// runs no esbuild at all.

import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { Plugin as EsbuildPlugin } from 'esbuild';
import { built } from '../package-root.js';

export interface CompiledPlugin {
  /** file: URL to import in the worker. */
  url: string;
  /** Hash of the compiled code: equal hashes mean nothing changed. */
  hash: string;
}

/** Where compiled entries are kept: a hidden folder beside the entry, so package imports still resolve. */
export const BUILD_DIR = '.plugd-build';

const SDK_URL = pathToFileURL(built.sdk).href;

/** `plugd/sdk` is the daemon's SDK bundle; the plugin's packages stay external. */
const resolveImports: EsbuildPlugin = {
  name: 'plugd-imports',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^plugd(\/sdk)?$/ }, () => ({ path: SDK_URL, external: true }));
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
  },
};

export async function compilePlugin(entry: string): Promise<CompiledPlugin> {
  const dir = join(dirname(entry), BUILD_DIR);
  const stem = basename(entry).replace(/\.[^.]+$/, '');
  const cached = reusableBuild(dir, stem);
  if (cached) return cached;
  const started = Date.now();
  // esbuild loads with the first plugin to compile.
  const { build } = await import('esbuild');
  let code: string;
  let inputs: string[];
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [resolveImports],
      sourcemap: 'inline',
      sourcesContent: false,
    });
    code = result.outputFiles![0].text;
    inputs = Object.keys(result.metafile!.inputs).map((input) => resolve(dirname(entry), input));
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> }).errors;
    if (!errors?.length) throw error;
    const first = errors[0];
    const where = first.location ? `${resolve(dirname(entry), first.location.file)}:${first.location.line}:${first.location.column}: ` : '';
    throw new Error(`compile error: ${where}${first.text}`);
  }
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${stem}.${hash}.mjs`);
  writeAtomically(file, code);
  recordBuild(dir, stem, { hash, sdk: SDK_URL, inputs: stamps(inputs) }, started);
  return { url: pathToFileURL(file).href, hash };
}

/** What a build was made from: each input file's size and mtime, and the SDK it imports. */
interface BuildRecord {
  hash: string;
  sdk: string;
  inputs: Record<string, string | null>;
}

const recordPath = (dir: string, stem: string) => join(dir, `${stem}.build.json`);

function stamp(path: string): string | null {
  try {
    const stats = statSync(path);
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return null;
  }
}

function stamps(paths: string[]): Record<string, string | null> {
  return Object.fromEntries(paths.map((path) => [path, stamp(path)]));
}

/** The last build of `stem`, if it still exists and none of its inputs changed since. */
function reusableBuild(dir: string, stem: string): CompiledPlugin | undefined {
  let record: BuildRecord;
  try {
    record = JSON.parse(readFileSync(recordPath(dir, stem), 'utf8'));
  } catch {
    return undefined;
  }
  const file = join(dir, `${stem}.${record.hash}.mjs`);
  if (record.sdk !== SDK_URL || !existsSync(file)) return undefined;
  for (const [path, recorded] of Object.entries(record.inputs)) if (stamp(path) !== recorded) return undefined;
  return { url: pathToFileURL(file).href, hash: record.hash };
}

/** Records a build, unless an input changed while it ran (that build may hold the old text). */
function recordBuild(dir: string, stem: string, record: BuildRecord, started: number): void {
  // From the stamps just taken (`size:mtimeMs`, or null for a file gone).
  const changedDuring = Object.values(record.inputs).some((stamp) => stamp === null || Number(stamp.split(':')[1]) >= started);
  if (changedDuring) rmSync(recordPath(dir, stem), { force: true });
  else writeAtomically(recordPath(dir, stem), JSON.stringify(record));
}

/** Written aside, then renamed into place: another compile (the test harness beside the daemon) may be importing this very file. */
function writeAtomically(file: string, code: string): void {
  const partial = `${file}.${randomUUID()}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, file);
}

/** Removes the builds of an entry other than the one now serving. */
export function pruneBuilds(serving: CompiledPlugin): void {
  const file = fileURLToPath(serving.url);
  const dir = dirname(file);
  const stem = basename(file).replace(/\.[0-9a-f]{16}\.mjs$/, '');
  for (const name of readdirSync(dir)) {
    const isBuildOfStem = name.startsWith(`${stem}.`) && /^[0-9a-f]{16}\.mjs$/.test(name.slice(stem.length + 1));
    if (isBuildOfStem && join(dir, name) !== file) rmSync(join(dir, name), { force: true });
  }
}
