// The face of the optional native addon (native/sab-shm) that puts a ring
// between two processes: a SharedArrayBuffer over a memfd both map, and an
// eventfd doorbell watched by libuv. Loaded lazily, once; without it (no
// compiler at install, another OS, or PLUGD_NO_SHM=1 to test the fallback)
// process channels use the IPC pipe instead.

import { createRequire } from 'node:module';

/** Set to 1 to hide the addon, as if it were not built. */
export const HIDE_SHM_ENV = 'PLUGD_NO_SHM';

/** A memfd named `plugd-<name>`, sized and mapped MAP_SHARED, and the SharedArrayBuffer over its pages. */
export interface SharedRegion {
  /** The memfd (close-on-exec): give it to a child through spawn's `stdio`, then close it here. */
  fd: number;
  /** Unmapped once garbage-collected, whether the fd is closed or not. */
  buffer: SharedArrayBuffer;
}

/** A libuv poll on a doorbell's fd, on the event loop of the thread that made it. */
export interface DoorbellWatch {
  /** Keeps the event loop alive while watching (the default). */
  ref(): void;
  /** Lets the event loop end even though this watch is open. */
  unref(): void;
  /** Stops watching; the fd stays open (close it after this). Idempotent. */
  close(): void;
}

export interface SabShm {
  /** Creates the memfd `plugd-<name>` of `byteLength` bytes, zeroed, sealed at that size, and maps it. */
  create(name: string, byteLength: number): SharedRegion;
  /** Maps `byteLength` bytes of an inherited memfd (at least that large); the fd may be closed afterwards. */
  attach(fd: number, byteLength: number): SharedArrayBuffer;
  /** A new doorbell: an eventfd (non-blocking, close-on-exec). */
  doorbell(): number;
  /** Rings the doorbell `fd`; its watcher's callback runs once for however many rings came meanwhile. */
  ring(fd: number): void;
  /** Calls `onRing` from the event loop each time the doorbell `fd` has been rung. */
  watch(fd: number, onRing: () => void): DoorbellWatch;
  /** Has the kernel send `signal` (a number) to this process when its parent dies (PR_SET_PDEATHSIG). */
  endWithParent(signal: number): void;
  // native/sab-shm/src/process_guard.cc (absent from an addon built before it: callers ask first).
  /** PR_SET_DUMPABLE 0: this process's /proc files become root's; no process of its user may read or trace it. */
  dropDumpable?(): void;
  /** PR_SET_NO_NEW_PRIVS: nothing this process runs gains privileges (setuid, file capabilities). */
  noNewPrivileges?(): void;
  /** PR_SET_CHILD_SUBREAPER: descendants orphaned below this process are re-parented to it, not to init. */
  becomeSubreaper?(): void;
  /** setpgid(0, 0): this process leads a process group of its own (in its parent's session). */
  leadProcessGroup?(): void;
  /** Sends `text` as one datagram to the unix socket `socketPath` (`@` for the abstract namespace): sd_notify. */
  notify(socketPath: string, text: string): void;
}

let addon: SabShm | undefined;
let loadError = '';

/** The addon, or undefined when it is hidden, not built, or fails to load (shmMissingReason says which). */
export function loadShm(): SabShm | undefined {
  if (process.env[HIDE_SHM_ENV] === '1') return undefined;
  if (!addon && !loadError) {
    try {
      addon = createRequire(import.meta.url)('@plugd/sab-shm') as SabShm;
    } catch (error) {
      loadError = (error as Error).message.split('\n')[0];
    }
  }
  return addon;
}

/** Why loadShm returned undefined, in one line for the caller's log. */
export function shmMissingReason(): string {
  if (process.env[HIDE_SHM_ENV] === '1') return `the shared-memory addon is hidden by ${HIDE_SHM_ENV}=1`;
  return `the shared-memory addon @plugd/sab-shm did not load: ${loadError || 'not tried yet'}`;
}
