// Every process the benchmarks start and every temporary home they make is
// registered here, so an error, Ctrl-C or a crash of the bench itself still
// kills the children and removes the homes (the happy path undoes them itself
// and unregisters).

type Undo = () => void;

const pending = new Set<Undo>();

/** Registers a synchronous undo step; call the returned function once it is no longer needed. */
export function onCleanup(undo: Undo): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

/** Runs every registered step, newest first, each at most once. */
export function cleanUpEverything(): void {
  for (const undo of [...pending].reverse()) {
    pending.delete(undo);
    try {
      undo();
    } catch {
      // Best effort: one failed step must not keep the others from running.
    }
  }
}

/** Cleans up on a normal exit, on SIGINT/SIGTERM, and on an uncaught error. */
export function installCleanupHandlers(): void {
  process.on('exit', cleanUpEverything);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUpEverything();
      process.exit(130);
    });
  }
}

/** Sends SIGKILL to `pid` if it still exists. */
export function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
