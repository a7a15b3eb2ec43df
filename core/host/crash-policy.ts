// The crash policy: exponential backoff between restarts, and a cap on crashes
// within a sliding window after which the plugin is left `failed`. Crashes
// older than the window are forgotten, so a plugin healthy for a whole window
// starts again from the initial delay.

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
    return { action: 'restart', delayMs: Math.min(this.options.initialDelayMs * 2 ** exponent, this.options.maxDelayMs) };
  }

  get recentCrashes(): number {
    return this.crashes.length;
  }

  reset(): void {
    this.crashes = [];
  }
}
