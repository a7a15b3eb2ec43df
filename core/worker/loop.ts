// A plugin's worker loop (comodojo/daemon's spinup → loop every looptime →
// spindown): `fn` runs every `intervalMs`, never overlapping itself; an
// iteration that throws is logged and counted, and the loop goes on.

import type { Logger } from 'pino';

export interface LoopOptions {
  intervalMs: number;
  /** Runs once before the first iteration. */
  onStart?: () => unknown;
  /** Runs once after the last iteration, when the plugin stops. */
  onStop?: () => unknown;
}

export interface LoopCounters {
  iteration(failed: boolean): void;
}

export class PluginLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** An iteration is under way: it schedules the next one itself when it ends. */
  private iterating = false;
  private started = false;
  private active = false;

  constructor(
    private readonly fn: () => unknown,
    private readonly options: LoopOptions,
    private readonly log: () => Logger,
    private readonly counters: LoopCounters,
  ) {
    if (!(options.intervalMs > 0)) throw new Error('ctx.loop needs intervalMs > 0');
  }

  /** Starts (or, after `pause`, resumes) the iterations. */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    if (!this.started) {
      this.started = true;
      await this.options.onStart?.();
    }
    // A resume while a paused iteration is still finishing must not start a second chain of them.
    if (this.active && !this.iterating) this.schedule(0);
  }

  /** Stops scheduling; waits for an iteration under way. */
  async pause(): Promise<void> {
    this.active = false;
    clearTimeout(this.timer);
    await this.running;
  }

  async stop(): Promise<void> {
    await this.pause();
    if (this.started) await this.options.onStop?.();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.iterate();
    }, delayMs);
  }

  private async iterate(): Promise<void> {
    this.iterating = true;
    const started = performance.now();
    let failed = false;
    try {
      await this.fn();
    } catch (error) {
      failed = true;
      this.log().error({ err: error }, 'loop iteration threw');
    }
    this.counters.iteration(failed);
    this.iterating = false;
    // The next iteration starts one interval after this one started, or at once if this one ran long.
    if (this.active) this.schedule(Math.max(0, this.options.intervalMs - (performance.now() - started)));
  }
}
