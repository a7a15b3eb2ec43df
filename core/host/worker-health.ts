// What a worker publishes about itself in its shared health cells (see
// HealthCell in protocol.ts), read without asking it: the heap, the loop
// counts, and the heartbeat whose standstill means a blocked event loop.

import { HealthCell } from '../channel/protocol.js';

export class WorkerHealth {
  private watchdog: NodeJS.Timeout | undefined;
  /** Event-loop utilisation over the last watchdog period (0..1). */
  eventLoopUtilization = 0;

  constructor(private readonly cells: Int32Array) {}

  /** Heap figures the worker last published, in bytes. */
  get heap(): { used: number; limit: number } {
    return {
      used: Atomics.load(this.cells, HealthCell.HEAP_USED_KIB) * 1024,
      limit: Atomics.load(this.cells, HealthCell.HEAP_LIMIT_KIB) * 1024,
    };
  }

  get loops(): { iterations: number; errors: number } {
    return {
      iterations: Atomics.load(this.cells, HealthCell.LOOP_ITERATIONS),
      errors: Atomics.load(this.cells, HealthCell.LOOP_ERRORS),
    };
  }

  /**
   * Watches the heartbeat: it must move at least once per `timeoutMs`, or
   * `blocked` is called. `sample` runs every period (the ELU sampler).
   */
  watch(timeoutMs: number, sample: () => number, blocked: () => void): void {
    let last = Atomics.load(this.cells, HealthCell.BEAT);
    let lastMoved = performance.now();
    const period = Math.max(10, Math.floor(timeoutMs / 4));
    let lastTick = lastMoved;
    this.watchdog = setInterval(() => {
      this.eventLoopUtilization = sample();
      const now = performance.now();
      const beat = Atomics.load(this.cells, HealthCell.BEAT);
      // The daemon's own loop was held up: a process's beats wait unread on its IPC channel, so no verdict yet.
      const late = now - lastTick > 2 * period;
      lastTick = now;
      if (beat !== last || late) {
        last = beat;
        lastMoved = now;
      } else if (now - lastMoved > timeoutMs) {
        this.stop();
        blocked();
      }
    }, period);
    this.watchdog.unref();
  }

  stop(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}
