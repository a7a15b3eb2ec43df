// A per-plugin log rate limit: a plugin may write `perSecond` lines a second
// (and a burst of as many at once); lines beyond that are dropped and counted,
// and the count is reported once a second. The daemon's memory then stays
// bounded however fast a plugin logs. A line over `maxLineBytes` is dropped
// and counted too.

export interface LogRateOptions {
  perSecond: number;
  maxLineBytes: number;
  write(line: string): void;
  /** Called at most once a second, with the lines dropped since the last call. */
  reportDropped(dropped: number): void;
  now?: () => number;
}

export class LogRateLimit {
  private tokens: number;
  private refilledAt: number;
  private dropped = 0;
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LogRateOptions) {
    this.now = options.now ?? (() => performance.now());
    this.tokens = options.perSecond;
    this.refilledAt = this.now();
  }

  offer(line: string): void {
    const now = this.now();
    const { perSecond, maxLineBytes } = this.options;
    this.tokens = Math.min(perSecond, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1 && line.length <= maxLineBytes) {
      this.tokens--;
      this.options.write(line);
      return;
    }
    this.dropped++;
    this.reportTimer ??= setTimeout(() => this.report(), 1000).unref();
  }

  private report(): void {
    this.reportTimer = undefined;
    const dropped = this.dropped;
    this.dropped = 0;
    if (dropped > 0) this.options.reportDropped(dropped);
  }
}
