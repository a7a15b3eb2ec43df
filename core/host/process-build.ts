// A plugin's build as a plugin process of another user can read it. Builds
// live in the daemon's private cache (build-cache.ts: a 0700 home), which
// that user cannot enter; the bundle is one file with absolute imports and an
// inline source map, so a copy of its own, in a folder it owns, imports as
// the original does.

import { chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProcessIds } from './process-user.js';

export interface HandedBuild {
  url: string;
  remove(): void;
}

/** A copy of the build at `entryUrl` in a fresh private folder owned by `ids` (0700, the file 0600). */
export function handBuildTo(entryUrl: string, ids: ProcessIds): HandedBuild {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-build-'));
  const file = join(dir, basename(fileURLToPath(entryUrl)));
  try {
    copyFileSync(fileURLToPath(entryUrl), file);
    for (const path of [file, dir]) chownSync(path, ids.uid ?? process.getuid!(), ids.gid ?? process.getgid!());
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { url: pathToFileURL(file).href, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
