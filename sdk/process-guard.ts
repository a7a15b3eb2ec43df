// What a plugin process asks of the kernel before any plugin code loads
// (through the addon, native/sab-shm/src/process_guard.cc): not dumpable, no
// new privileges, a subreaper of its descendants. Without the addon none of
// them holds (README "Threat model" says what that leaves open).

import { loadShm } from '../core/channel/shm.js';

export function guardProcess(): void {
  const shm = loadShm();
  shm?.dropDumpable?.();
  shm?.noNewPrivileges?.();
  shm?.becomeSubreaper?.();
}
