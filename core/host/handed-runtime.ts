// What a plugin process of another user runs, handed to it as its build is
// (handed-folder.ts): plugd's install may sit where that user cannot enter (a
// clone under /root, a version manager in a private home). The copy is laid
// out as an install of its own (package.json, the worker's bundles, pino and
// tapable, the shared-memory addon), so the runtime's own walk to its
// package.json (core/package-root.ts) finds every file beside it. One copy per
// group, kept while a process of that group runs from it; the copies of a
// daemon killed before it could remove them go when the next one makes its own.

import { lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** `<tmpdir>/plugd-runtime-<daemon pid>-XXXXXX`: a copy whose daemon is gone (killed, with no chance to remove it) is found by its name. */
const PREFIX = 'plugd-runtime-';

/** The runtime the group of `ids` may read, made for its first process; `release` once that process has ended. */
export function handedRuntime(ids: ProcessIds): { runtime: HandedRuntime; release(): string[] } {
  const gid = ids.gid ?? process.getgid!();
  let copy = copies.get(gid);
  if (!copy) {
    removeOrphanedCopies();
    const folder = new HandedFolder(`${PREFIX}${process.pid}-`, ids);
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

/** Removes the copies of daemons that are gone; only this user's, which no plugin could write in. */
function removeOrphanedCopies(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const path = join(tmpdir(), name);
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (info?.isDirectory() && info.uid === process.getuid!() && (info.mode & 0o022) === 0)
      rmSync(path, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
