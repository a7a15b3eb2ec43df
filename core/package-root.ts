// Where plugd is installed. Sources run from `core/` (under tsx) and builds from
// `dist/core/`, so files shipped beside them (package.json, plugin-template/,
// plugins/) are found by walking up to plugd's own package.json.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstallError } from './contract/errors.js';

/** The nearest package.json at or above `dir` that `accept` takes: its folder and contents. */
export function nearestManifest(
  dir: string,
  accept: (manifest: { name?: unknown }) => boolean = () => true,
): { dir: string; manifest: { name?: unknown } } | undefined {
  for (;;) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown };
      if (accept(manifest)) return { dir, manifest };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const own = nearestManifest(dirname(fileURLToPath(import.meta.url)), (manifest) => manifest.name === 'plugd');
if (!own) throw new InstallError('plugd: cannot find its own package.json');
export const packageRoot = own.dir;

export const version = String((own.manifest as { version?: unknown }).version);

/**
 * What `npm run build` makes besides tsc's output: single-file bundles load
 * several times faster than a tree of modules (10 plugin workers booted in
 * 500 ms from the tree, 180 ms from the bundle, on 2 cores; `npm run bench --
 * start`: start.10plugins).
 */
export const built = {
  /** The CLI, and the daemon it runs. */
  cli: join(packageRoot, 'dist/cli/plugd.js'),
  /** The entry of every plugin worker. */
  runtime: join(packageRoot, 'dist/core/worker/runtime.bundle.mjs'),
  /** The entry of every plugin process. */
  processRuntime: join(packageRoot, 'dist/core/worker/process-runtime.bundle.mjs'),
  /** `plugd/sdk` as plugins get it (TypeBox included). */
  sdk: join(packageRoot, 'dist/sdk/sdk.bundle.mjs'),
  /** Ajv in one file: its 63 modules loaded one by one cost the daemon 6 MB more resident memory. */
  ajv: join(packageRoot, 'dist/vendor/ajv.cjs'),
  /** pino and tapable in one file each, for plugin workers to load at their first use (core/worker/lazy-packages.ts). */
  pino: join(packageRoot, 'dist/vendor/pino.cjs'),
  tapable: join(packageRoot, 'dist/vendor/tapable.cjs'),
};
