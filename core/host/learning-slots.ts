// At most a few onCall plugins load at once to learn their methods (a plugin
// folder's first start, or a cache cleared): each is a whole worker for a
// moment, and a hundred of them side by side would cost a small host the very
// memory onCall is there to save.

export class LearningSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Runs `task` once a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
