// Turns a plugin's entry into one ES module the worker can import. esbuild
// bundles the plugin's own files (TypeScript included) and leaves its packages
// to Node's resolution from its folder. `plugd/sdk` is the running daemon's
// SDK, built as one file (TypeBox included): a plugin dropped anywhere needs
// no plugd of its own, and a worker reads one file where TypeBox alone is a
// hundred modules (50 ms of every load). The output's hash tells whether a
// reload has anything new to load.

import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
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
  // esbuild loads with the first plugin to compile.
  const { build } = await import('esbuild');
  let code: string;
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [resolveImports],
      sourcemap: 'inline',
      sourcesContent: false,
    });
    code = result.outputFiles![0].text;
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> }).errors;
    if (!errors?.length) throw error;
    const first = errors[0];
    const where = first.location ? `${resolve(first.location.file)}:${first.location.line}:${first.location.column}: ` : '';
    throw new Error(`compile error: ${where}${first.text}`);
  }
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const dir = join(dirname(entry), BUILD_DIR);
  const stem = basename(entry).replace(/\.[^.]+$/, '');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${stem}.${hash}.mjs`);
  writeAtomically(file, code);
  return { url: pathToFileURL(file).href, hash };
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
