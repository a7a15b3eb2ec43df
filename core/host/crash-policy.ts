// The crash policy: exponential backoff between restarts, and a cap on crashes
// within a sliding window after which the plugin is left `failed`. Crashes
// older than the window are forgotten, so a plugin healthy for a whole window
// starts again from the initial delay. RestartSchedule runs the timer the
// policy asks for.

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  maxCrashes: number;
  windowMs: number;
}

export type CrashVerdict = { action: 'restart'; delayMs: number } | { action: 'fail' };

export class CrashPolicy {
  private crashes: number[] = [];

  constructor(private readonly options: BackoffOptions) {}

  /** Records a crash at `now` and says what to do about it. */
  onCrash(now = Date.now()): CrashVerdict {
    this.crashes = this.crashes.filter((at) => now - at < this.options.windowMs);
    this.crashes.push(now);
    if (this.crashes.length >= this.options.maxCrashes) return { action: 'fail' };
    const exponent = this.crashes.length - 1;
    return {
      action: 'restart',
      delayMs: Math.min(this.options.initialDelayMs * 2 ** exponent, this.options.maxDelayMs),
    };
  }

  get recentCrashes(): number {
    return this.crashes.length;
  }

  reset(): void {
    this.crashes = [];
  }
}

/** The policy with its timer: a crash either schedules the restart after its backoff, or ends the plugin's restarts. */
export class RestartSchedule {
  private readonly policy: CrashPolicy;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BackoffOptions) {
    this.policy = new CrashPolicy(options);
  }

  /** Records a crash. Returns the delay after which `restart` runs, or a reason to give up (the cap within the window). */
  crashed(restart: () => void): { delayMs: number } | { givenUp: string } {
    const verdict = this.policy.onCrash();
    if (verdict.action === 'fail')
      return { givenUp: `${this.policy.recentCrashes} crashes within ${this.options.windowMs} ms` };
    this.timer = setTimeout(() => {
      this.timer = undefined;
      restart();
    }, verdict.delayMs);
    return { delayMs: verdict.delayMs };
  }

  /** A restart planned and not yet run is called off. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A fresh crash history (a reload). */
  reset(): void {
    this.policy.reset();
  }
}
