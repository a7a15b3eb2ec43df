/** A memfd named `plugd-<name>`, sized and mapped MAP_SHARED, and the SharedArrayBuffer over its pages. */
export interface SharedRegion {
  /** The memfd (close-on-exec): give it to a child through spawn's `stdio`, then close it here. */
  fd: number;
  /** Unmapped once garbage-collected (the fd being closed or not). */
  buffer: SharedArrayBuffer;
}

/** A libuv poll on a doorbell's fd, on the event loop of the thread that made it. */
export interface DoorbellWatch {
  /** Keeps the event loop alive while watching (the default). */
  ref(): void;
  /** Lets the event loop end even though this watch is open. */
  unref(): void;
  /** Stops watching (the fd stays open: close it yourself). Idempotent. */
  close(): void;
}

/** Creates the memfd `plugd-<name>` of `byteLength` bytes and maps it. */
export function create(name: string, byteLength: number): SharedRegion;
/** Maps `byteLength` bytes of an inherited memfd (at least that large); the fd may be closed afterwards. */
export function attach(fd: number, byteLength: number): SharedArrayBuffer;
/** A new doorbell: an eventfd (non-blocking, close-on-exec). */
export function doorbell(): number;
/** Rings the doorbell `fd`: its watcher's callback runs soon, once however many rings came meanwhile. */
export function ring(fd: number): void;
/** Calls `onRing` (from the event loop) each time the doorbell `fd` has been rung. */
export function watch(fd: number, onRing: () => void): DoorbellWatch;
