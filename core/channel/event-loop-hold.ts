// A pending Atomics.waitAsync does not keep a thread's event loop alive, so a
// reader or writer that waits on the ring would let its thread exit under it.
// While it has work to wait for, it holds this ref'd interval, which also
// gives it a periodic tick.

export class EventLoopHold {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onTick: () => void,
    private readonly periodMs: number,
  ) {}

  hold(): void {
    this.timer ??= setInterval(this.onTick, this.periodMs);
  }

  release(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
