// What a plugin process of another user runs, handed to it as its build is
// (handed-folder.ts): plugd's install may sit where that user cannot enter (a
// clone under /root, a version manager in a private home). The copy is laid
// out as an install of its own (package.json, the worker's bundles, pino and
// tapable, the shared-memory addon), so the runtime's own walk to its
// package.json (core/package-root.ts) finds every file beside it. One copy per
// group, kept while a process of that group runs from it.

import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadShm } from '../channel/shm.js';
import { built, packageRoot } from '../package-root.js';
import { HandedFolder } from './handed-folder.js';
import type { ProcessIds } from './process-user.js';

export interface HandedRuntime {
  /** The entry of the plugin process. */
  processRuntime: string;
  /** `plugd/sdk` as the handed build imports it. */
  sdkUrl: string;
}

interface Copy {
  folder: HandedFolder;
  runtime: HandedRuntime;
  /** Processes running from it: the last one's end removes it. */
  users: number;
}

const copies = new Map<number, Copy>();

/** The runtime the group of `ids` may read, made for its first process; `release` once that process has ended. */
export function handedRuntime(ids: ProcessIds): { runtime: HandedRuntime; release(): string[] } {
  const gid = ids.gid ?? process.getgid!();
  let copy = copies.get(gid);
  if (!copy) {
    const folder = new HandedFolder('plugd-runtime-', ids);
    try {
      copy = { folder, runtime: fill(folder), users: 0 };
    } catch (error) {
      folder.remove();
      throw error;
    }
    copies.set(gid, copy);
  }
  const held = copy;
  held.users++;
  let released = false;
  return {
    runtime: held.runtime,
    release() {
      if (released) return [];
      released = true;
      if (--held.users > 0) return [];
      copies.delete(gid);
      return held.folder.remove();
    },
  };
}

function fill(folder: HandedFolder): HandedRuntime {
  const place = (file: string) => folder.copy(file, relative(packageRoot, file));
  place(join(packageRoot, 'package.json'));
  for (const file of [built.pino, built.tapable, built.sdk]) place(file);
  const processRuntime = place(built.processRuntime);
  // The addon as `@plugd/sab-shm` resolves from the copy; only when the daemon has it (the channel is a pipe otherwise).
  if (loadShm()) {
    const addonIndex = createRequire(join(packageRoot, 'package.json')).resolve('@plugd/sab-shm');
    const addon = dirname(addonIndex);
    const into = join('node_modules', '@plugd', 'sab-shm');
    for (const file of ['package.json', 'index.js', join('build', 'Release', 'sab_shm.node')]) {
      if (statSync(join(addon, file), { throwIfNoEntry: false })) folder.copy(join(addon, file), join(into, file));
    }
  }
  return { processRuntime, sdkUrl: pathToFileURL(join(folder.path, relative(packageRoot, built.sdk))).href };
}

