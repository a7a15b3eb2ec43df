// The gate in front of a stateful plugin while it is frozen (docs/ARCHITECTURE.md,
// "Freeze, then snapshot"): calls that arrive wait here instead of reaching a
// worker, each still held to its own deadline, and go on together when the
// gate opens, to whichever worker serves by then.

interface Waiter {
  /** Lets the call go on with what is left of its deadline (0: it has none). */
  admit(remainingMs: number): void;
  timer: NodeJS.Timeout | undefined;
  deadlineAt: number;
}

export class CallGate {
  private waiters: Set<Waiter> | undefined;

  get closed(): boolean {
    return this.waiters !== undefined;
  }

  /** Calls waiting for the gate to open. */
  get waiting(): number {
    return this.waiters?.size ?? 0;
  }

  /** From now on, calls wait. */
  close(): void {
    this.waiters ??= new Set();
  }

  /** Every waiting call goes on, in the order it came. */
  open(): void {
    const waiters = this.waiters;
    this.waiters = undefined;
    for (const waiter of waiters ?? []) {
      clearTimeout(waiter.timer);
      waiter.admit(waiter.deadlineAt === Infinity ? 0 : Math.max(1, waiter.deadlineAt - performance.now()));
    }
  }

  /**
   * Waits for the gate to open; resolves with what is left of `timeoutMs`
   * (0 means no deadline), or rejects with `expired()` when it runs out first.
   */
  pass(timeoutMs: number, expired: () => Error): Promise<number> {
    const waiters = this.waiters;
    if (!waiters) return Promise.resolve(timeoutMs);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        timer: undefined,
        deadlineAt: timeoutMs > 0 ? performance.now() + timeoutMs : Infinity,
      };
      if (timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(expired());
        }, timeoutMs);
      }
      waiters.add(waiter);
    });
  }
}
