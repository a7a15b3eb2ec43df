// The measuring tools every benchmark shares: a latency histogram (hdr, so
// p99 is exact to 3 digits however many samples), a closed-loop load
// generator for calls per second, and a sampler for one-shot latencies
// (reload, watch, start) measured in milliseconds.

import { build, initWebAssembly, type Histogram } from 'hdr-histogram-js';
import type { RpcClient } from '../core/cli/client.js';
import { cpuSeconds } from './proc.js';
import type { BenchResult } from './result.js';

const NS_PER_MS = 1e6;

// The WebAssembly build of the histogram records a value in ~13 ns, the JS
// build in ~80 ns (Math.pow and Math.log2 per value): at ~900k channel round
// trips/s, the JS one took 7% of the thread being measured.
await initWebAssembly();

/** An empty histogram of 3 significant digits (its memory lives as long as the short bench process). */
export function newHistogram(): Histogram {
  return build({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
}

export class LatencyHistogram {
  private readonly histogram = newHistogram();

  /** Records one latency, given in milliseconds (kept in nanoseconds: hdr stores integers). */
  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * NS_PER_MS)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  ms(percentile: number): number {
    return this.histogram.getValueAtPercentile(percentile) / NS_PER_MS;
  }

  us(percentile: number): number {
    return round(this.histogram.getValueAtPercentile(percentile) / 1000, 1);
  }
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

interface LoadOptions {
  name: string;
  unit: string;
  /** One connection per call in flight: each runs call → answer → next call. */
  clients: RpcClient[];
  call(client: RpcClient): Promise<unknown>;
  /** The process serving the calls, whose CPU use is reported beside the figure. */
  serverPid: number;
  warmupMs?: number;
  measureMs?: number;
}

/**
 * Calls per second with `clients.length` calls in flight (closed loop: each
 * client sends its next call as soon as its answer arrives), counting only the
 * calls that complete inside the measurement window, after a warm-up.
 */
export async function closedLoop(options: LoadOptions): Promise<BenchResult> {
  const { warmupMs = 500, measureMs = 3000 } = options;
  const latency = new LatencyHistogram();
  const measureFrom = performance.now() + warmupMs;
  const stopAt = measureFrom + measureMs;
  let completed = 0;
  let serverCpuAtStart = 0;
  let clientCpuAtStart: NodeJS.CpuUsage | undefined;
  const markWindowStart = setTimeout(() => {
    serverCpuAtStart = cpuSeconds(options.serverPid);
    clientCpuAtStart = process.cpuUsage();
  }, warmupMs);
  const loop = async (client: RpcClient): Promise<void> => {
    for (let started = performance.now(); started < stopAt; started = performance.now()) {
      await options.call(client);
      const answered = performance.now();
      if (started >= measureFrom && answered <= stopAt) {
        latency.record(answered - started);
        completed++;
      }
    }
  };
  try {
    await Promise.all(options.clients.map(loop));
  } finally {
    clearTimeout(markWindowStart);
  }
  const seconds = measureMs / 1000;
  const serverCores = (cpuSeconds(options.serverPid) - serverCpuAtStart) / seconds;
  const clientCpu = process.cpuUsage(clientCpuAtStart);
  const clientCores = (clientCpu.user + clientCpu.system) / 1e6 / seconds;
  const result: BenchResult = {
    name: options.name,
    value: Math.round(completed / seconds),
    unit: options.unit,
    p50_us: latency.us(50),
    p99_us: latency.us(99),
  };
  console.log(
    `  ${result.name}: ${result.value} ${result.unit}, p50 ${result.p50_us} µs, p99 ${result.p99_us} µs ` +
      `(server ${serverCores.toFixed(2)} cores, bench client ${clientCores.toFixed(2)} cores)`,
  );
  return result;
}

/** Runs `measureOnce` (which returns milliseconds) `count` times, one after the other. */
export async function sampleMs(
  count: number,
  measureOnce: (index: number) => Promise<number>,
): Promise<LatencyHistogram> {
  const histogram = new LatencyHistogram();
  for (let index = 0; index < count; index++) histogram.record(await measureOnce(index));
  return histogram;
}

/** The figures `names` (e.g. `{ 'reload.p50': 50 }`) of a millisecond histogram. */
export function percentileResults(histogram: LatencyHistogram, names: Record<string, number>): BenchResult[] {
  return Object.entries(names).map(([name, percentile]) => ({
    name,
    value: round(histogram.ms(percentile), 1),
    unit: 'ms',
  }));
}
