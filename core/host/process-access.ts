// Whether a plugin process of another user can run Node's binary, asked
// before it is started (a version manager keeps Node in a private home):
// without this its start fails with a bare EACCES; this names the path and the
// user instead. plugd's own runtime never needs asking: it is handed over
// (handed-runtime.ts). Judged by mode bits as the kernel would for a process with
// that uid and gid and no supplementary groups (which is how it is started).

import { statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ProcessIds } from './process-user.js';
import { PermissionError } from '../contract/errors.js';

const EXECUTE = 1;

/** Throws "permission denied: PATH is not readable by user USER" when `who` cannot run `binary`. */
export function checkRunnable(who: string, ids: ProcessIds, binary: string): void {
  const blocked = firstBlocked(binary, ids, EXECUTE);
  if (blocked) throw new PermissionError(`permission denied: ${blocked} is not readable by ${who}`);
}

/** The first path on the way to `path` (its folders need execute) that `ids` may not pass, or `path` itself without `wanted`. */
function firstBlocked(path: string, ids: ProcessIds, wanted: number): string | undefined {
  const full = resolve(path);
  const folders: string[] = [];
  for (let dir = dirname(full); ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const folder of folders) if (!allows(statSync(folder), ids, EXECUTE)) return folder;
  return allows(statSync(full), ids, wanted) ? undefined : full;
}

function allows(info: Stats, ids: ProcessIds, wanted: number): boolean {
  const uid = ids.uid ?? process.getuid!();
  const gid = ids.gid ?? process.getgid!();
  if (uid === 0) return true;
  const bits = info.uid === uid ? info.mode >> 6 : info.gid === gid ? info.mode >> 3 : info.mode;
  return (bits & wanted) === wanted;
}
