// Shared-memory channel buffers, reused from one worker to the next. Each
// channel is a ~0.5 MiB SharedArrayBuffer; freeing one raises glibc's mmap
// threshold to its size, so the next ones came from the main heap, where
// their scattered frees (at garbage collection) fragmented it: the daemon's
// RSS grew by 20-40 MB over 500 reloads with a flat JS heap (`npm run bench --
// rss`: rss.growth.500reloads). Reusing them
// keeps that memory in a few stable buffers.

/** Enough for a reload under way and a restart or two. */
const MAX_KEPT = 8;

const kept: SharedArrayBuffer[] = [];

/** A zeroed buffer of `bytes`: a kept one if one fits, else a new one. */
export function takeChannelBuffer(bytes: number): SharedArrayBuffer {
  const index = kept.findIndex((buffer) => buffer.byteLength === bytes);
  if (index === -1) return new SharedArrayBuffer(bytes);
  const [buffer] = kept.splice(index, 1);
  new Uint8Array(buffer).fill(0);
  return buffer;
}

/** Gives back the buffer of a channel whose worker has exited (no thread touches it any more). */
export function giveChannelBuffer(buffer: SharedArrayBuffer): void {
  if (kept.length < MAX_KEPT) kept.push(buffer);
}
