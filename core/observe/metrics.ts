// Call figures, kept cheaply on the hot path: counters and an HDR histogram
// per method, and the same per plugin for its methods together. A once-a-second sampler turns the
// counters into calls/s, with a short history for sparklines.

import { createRequire } from 'node:module';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Histogram as HdrHistogram } from 'hdr-histogram-js';
import type { StatsView } from '../contract/daemon.js';

const HISTORY_SECONDS = 60;

/**
 * The plain-JS histogram class alone (what `build({ useWebAssembly: false })`
 * makes): the package's index also decodes its WebAssembly build, 22 ms of
 * every daemon start for nothing (`npm run bench -- start`: start.0plugins).
 */
const Int32Histogram = createRequire(import.meta.url)('hdr-histogram-js/dist/Int32Histogram.js').default as new (
  lowestDiscernibleValue: number,
  highestTrackableValue: number,
  numberOfSignificantValueDigits: number,
) => HdrHistogram;

function newHistogram(): HdrHistogram {
  // Microseconds, up to an hour, 2 significant digits: ~14 KiB, ~60 ns a record (paid in every
  // call of `npm run bench -- rpc`).
  return new Int32Histogram(1, 3_600_000_000, 2);
}

class Stats {
  calls = 0;
  inFlight = 0;
  readonly errors: Record<string, number> = {};
  readonly latency = newHistogram();
  /** calls/s for each of the last seconds, newest last. */
  readonly rates: number[] = [];
  private lastCalls = 0;

  ended(micros: number, errorCode: number | undefined): void {
    this.inFlight--;
    this.calls++;
    this.latency.recordValue(micros);
    if (errorCode !== undefined) this.errors[errorCode] = (this.errors[errorCode] ?? 0) + 1;
  }

  sample(): void {
    this.rates.push(this.calls - this.lastCalls);
    if (this.rates.length > HISTORY_SECONDS) this.rates.shift();
    this.lastCalls = this.calls;
  }
}

function view(stats: Stats): StatsView {
  const ms = (percentile: number) => stats.latency.getValueAtPercentile(percentile) / 1000;
  return {
    calls: stats.calls,
    inFlight: stats.inFlight,
    errors: { ...stats.errors },
    callsPerSecond: stats.rates.at(-1) ?? 0,
    rateHistory: [...stats.rates],
    latencyMs: { p50: ms(50), p90: ms(90), p99: ms(99), max: stats.latency.maxValue / 1000 },
  };
}

/** What `begin` hands back, to give to `end`. */
export interface CallTiming {
  stats: Stats;
  plugin: Stats | undefined;
  started: number;
}

export class Metrics {
  private readonly methods = new Map<string, Stats>();
  private readonly plugins = new Map<string, Stats>();
  private readonly sampler: NodeJS.Timeout;
  private readonly eventLoopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private lastEventLoopDelay: { p50: number; p99: number; max: number } | undefined;
  private seconds = 0;

  constructor() {
    this.eventLoopDelay.enable();
    this.sampler = setInterval(() => {
      for (const stats of this.methods.values()) stats.sample();
      for (const stats of this.plugins.values()) stats.sample();
      // Event-loop delay over windows of 10 s: recent enough to show a stall.
      if (++this.seconds % 10 === 0) {
        this.lastEventLoopDelay = this.readEventLoopDelay();
        this.eventLoopDelay.reset();
      }
    }, 1000);
    this.sampler.unref();
  }

  /** Stands in for a plugin not called yet: never recorded into. */
  private neverCalled: Stats | undefined;

  begin(method: string, plugin: string | undefined): CallTiming {
    const stats = this.stats(this.methods, method);
    const pluginStats = plugin === undefined ? undefined : this.stats(this.plugins, plugin);
    stats.inFlight++;
    if (pluginStats) pluginStats.inFlight++;
    return { stats, plugin: pluginStats, started: performance.now() };
  }

  end(timing: CallTiming, errorCode?: number): void {
    const micros = Math.max(1, Math.round((performance.now() - timing.started) * 1000));
    timing.stats.ended(micros, errorCode);
    timing.plugin?.ended(micros, errorCode);
  }

  /** A plugin's figures; all zero for one never called. */
  plugin(name: string): StatsView {
    return view(this.plugins.get(name) ?? (this.neverCalled ??= new Stats()));
  }

  allMethods(): Record<string, StatsView> {
    return Object.fromEntries([...this.methods].map(([name, stats]) => [name, view(stats)]));
  }

  allPlugins(): Record<string, StatsView> {
    return Object.fromEntries([...this.plugins].map(([name, stats]) => [name, view(stats)]));
  }

  /** The daemon's event-loop delay over the last full 10 s window (the current one before that), in ms. */
  eventLoopDelayMs(): { p50: number; p99: number; max: number } {
    return this.lastEventLoopDelay ?? this.readEventLoopDelay();
  }

  private readEventLoopDelay() {
    const delay = this.eventLoopDelay;
    return { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
  }

  close(): void {
    clearInterval(this.sampler);
    this.eventLoopDelay.disable();
  }

  private stats(table: Map<string, Stats>, name: string): Stats {
    let stats = table.get(name);
    if (!stats) table.set(name, (stats = new Stats()));
    return stats;
  }
}
