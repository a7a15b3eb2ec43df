// Turns a plugin's entry into one ES module the worker can import. esbuild
// bundles the plugin's own files (TypeScript and CommonJS included) and leaves
// its packages to Node, resolved from the plugin's folder (esbuild-plugins.ts).
// `plugd/sdk` is the running daemon's SDK, built as one file (TypeBox
// included): a plugin dropped anywhere needs no plugd of its own, and a worker
// reads one file where TypeBox alone is a hundred modules (50 ms of every
// load; `npm run bench -- reload`: reload.p50). Builds are kept in the daemon's cache (build-cache.ts); the output's
// hash tells whether a reload has anything new to load.

import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { built } from '../package-root.js';
import { buildFolder, reusableBuild, storeBuild, type CompiledPlugin } from './build-cache.js';
import { esbuild } from './esbuild-service.js';
import { ownPlace, ownPlaceDefines, requireBanner, resolveImports, sourceColumn } from './esbuild-plugins.js';
import { PluginError } from '../contract/errors.js';

export { pruneBuilds, type CompiledPlugin } from './build-cache.js';

/** `plugd/sdk` as builds import it (a plugin process of another user gets it elsewhere: handed-runtime.ts). */
export const SDK_URL = pathToFileURL(built.sdk).href;

/** Compiles `entry` (an absolute path) into `cacheDir`, or reuses its last build there. */
export async function compilePlugin(entry: string, cacheDir: string): Promise<CompiledPlugin> {
  const dir = buildFolder(cacheDir, entry);
  const cached = reusableBuild(dir, entry, SDK_URL);
  if (cached) return cached;
  const started = Date.now();
  let code: string;
  let inputs: string[];
  try {
    const result = await esbuild({
      entryPoints: [entry],
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Packages resolve as Node resolves them: no bundler-only `module` condition or field.
      conditions: [],
      mainFields: ['main'],
      define: ownPlaceDefines,
      banner: { js: requireBanner(entry) },
      logLevel: 'silent',
      plugins: [resolveImports(SDK_URL), ownPlace],
      sourcemap: 'inline',
      sourcesContent: false,
      // The map's sources are relative to the entry's folder, not to the bundle's place in the cache.
      sourceRoot: `${pathToFileURL(dirname(entry)).href}/`,
    });
    code = result.outputFiles[0].text;
    // The SDK re-export is no file of the plugin's: it has a namespace (`plugd-sdk:sdk`).
    const files = Object.keys(result.metafile.inputs).filter((input) => !/^[a-z-]+:/.test(input));
    inputs = [entry, ...files.map((input) => resolve(dirname(entry), input)).filter((path) => path !== entry)];
  } catch (error) {
    const errors = (
      error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> }
    ).errors;
    if (!errors?.length) throw error;
    const first = errors[0];
    const where = first.location
      ? `${place(resolve(dirname(entry), first.location.file), first.location.line, first.location.column)}: `
      : '';
    throw new PluginError(`compile error: ${where}${first.text}`);
  }
  return storeBuild(dir, entry, SDK_URL, code, inputs, started);
}

const place = (file: string, line: number, column: number) => `${file}:${line}:${sourceColumn(file, line, column)}`;
