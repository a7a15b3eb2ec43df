// What a plugin process asks of the kernel before any plugin code loads
// (through the addon, native/sab-shm/src/process_guard.cc): not dumpable, no
// new privileges, a subreaper of its descendants, the leader of a process group
// of its own. Without the addon none of them holds (README "Threat model" says
// what that leaves open), and the daemon gives the process a session of its own
// instead (process-backend.ts).

import { loadShm } from '../channel/shm.js';

export function guardProcess(): void {
  const shm = loadShm();
  // First: the daemon kills this group at the end, and a terminal's Ctrl-C to the daemon's group must not reach it.
  shm?.leadProcessGroup?.();
  shm?.dropDumpable?.();
  shm?.noNewPrivileges?.();
  shm?.becomeSubreaper?.();
}
