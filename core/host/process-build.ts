// A plugin's build as a plugin process of another user can read it. Builds
// live in the daemon's private cache (build-cache.ts: a 0700 home), which
// that user cannot enter; the bundle is one file with absolute imports and an
// inline source map, so a copy in a folder that user may read (and not
// change: handed-folder.ts) imports as the original does, `plugd/sdk` from
// the runtime handed to that user (handed-runtime.ts).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SDK_URL } from './compile.js';
import { HandedFolder } from './handed-folder.js';
import type { ProcessIds } from './process-user.js';

export interface HandedBuild {
  url: string;
  /** Removes the copy; answers the errors met, never throws. */
  remove(): string[];
}

/** A copy of the build at `entryUrl` that the group of `ids` may read, importing the SDK at `sdkUrl`. */
export function handBuildTo(entryUrl: string, ids: ProcessIds, sdkUrl: string): HandedBuild {
  const folder = new HandedFolder('plugd-build-', ids);
  try {
    const path = fileURLToPath(entryUrl);
    const file = folder.write(basename(path), readFileSync(path, 'utf8').replaceAll(SDK_URL, sdkUrl));
    return { url: pathToFileURL(file).href, remove: () => folder.remove() };
  } catch (error) {
    folder.remove();
    throw error;
  }
}
