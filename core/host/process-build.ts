// A plugin's build as a plugin process of another user can read it. Builds
// live in the daemon's private cache (build-cache.ts: a 0700 home), which
// that user cannot enter; the bundle is one file with absolute imports and an
// inline source map, so a copy in a folder that user may read (and not
// change: handed-folder.ts) imports as the original does.

import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HandedFolder } from './handed-folder.js';
import type { ProcessIds } from './process-user.js';

export interface HandedBuild {
  url: string;
  /** Removes the copy; answers the errors met, never throws. */
  remove(): string[];
}

/** A copy of the build at `entryUrl` that the group of `ids` may read. */
export function handBuildTo(entryUrl: string, ids: ProcessIds): HandedBuild {
  const folder = new HandedFolder('plugd-build-', ids);
  try {
    const file = folder.copy(fileURLToPath(entryUrl), basename(fileURLToPath(entryUrl)));
    return { url: pathToFileURL(file).href, remove: () => folder.remove() };
  } catch (error) {
    folder.remove();
    throw error;
  }
}
