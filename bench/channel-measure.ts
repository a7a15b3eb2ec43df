// How every channel benchmark measures, whatever carries the messages
// (threads or processes): round trips of small calls with some in flight,
// and a one-way stream of 1 MiB messages.

import type { CallMessage, ResultMessage } from '../core/channel/protocol.js';
import type { Transport } from '../core/channel/transport.js';
import { newHistogram, round } from './harness.js';
import { MIB } from './proc.js';
import type { BenchResult } from './result.js';

const WARMUP_MS = 300;
export const MEASURE_MS = 2000;
const NS_PER_MS = 1e6;
/** 1 MiB messages a producer without backpressure may have unacknowledged (the ring needs none: it has backpressure). */
export const STREAM_WINDOW = 8;
/** A message stream that can outlast any measurement, and is cut short by ending its producer. */
export const ENDLESS_FRAMES = 1_000_000;

/** The core's end of an echo channel: it sends calls, the other end answers each with its params. */
export type EchoTransport = Transport<ResultMessage, CallMessage>;

/** Round trips of ~100-byte calls through `local`, with `inFlight` outstanding; latency from send to answer. */
export async function measureRoundTrips(name: string, local: EchoTransport, inFlight: number): Promise<BenchResult> {
  const latencyNs = newHistogram();
  const sentAt = new Float64Array(inFlight);
  let nextId = 0;
  let completed = 0;
  const send = (): void => {
    sentAt[nextId % inFlight] = performance.now();
    local.send(call(nextId++));
  };
  const start = performance.now();
  const measureFrom = start + WARMUP_MS;
  const stopAt = measureFrom + MEASURE_MS;
  await new Promise<void>((resolve) => {
    local.onMessage((reply) => {
      const now = performance.now();
      if (now >= measureFrom) {
        latencyNs.recordValue(Math.round((now - sentAt[reply.id % inFlight]) * NS_PER_MS));
        completed++;
      }
      if (now < stopAt) send();
      else if (reply.id === nextId - 1) resolve();
    });
    for (let i = 0; i < inFlight; i++) send();
  });
  const elapsedS = (performance.now() - measureFrom) / 1000;
  return {
    name,
    value: Math.round(completed / elapsedS),
    unit: 'round trips/s',
    p50_us: latencyNs.getValueAtPercentile(50) / 1000,
    p99_us: latencyNs.getValueAtPercentile(99) / 1000,
  };
}

export function call(id: number): CallMessage {
  return { t: 'call', id, method: 'say', params: { text: 'hello from the plugd channel benchmark!' } };
}

/** Starts a stream of 1 MiB messages towards this thread, calling `onMessage` for each; returns how to end it. */
export type Stream = (onMessage: () => void) => () => Promise<unknown>;

/** GB/s of 1 MiB messages from a producer to this thread, after a warm-up. */
export async function oneWay(name: string, stream: Stream): Promise<BenchResult> {
  const measureFrom = performance.now() + WARMUP_MS;
  let firstAt = 0;
  let received = 0;
  let stop: (() => Promise<unknown>) | undefined;
  await new Promise<void>((resolve) => {
    stop = stream(() => {
      const now = performance.now();
      if (now < measureFrom) return;
      if (received++ === 0) firstAt = now;
      if (now - firstAt >= MEASURE_MS) resolve();
    });
  });
  const seconds = (performance.now() - firstAt) / 1000;
  await stop!();
  return { name, value: round(((received - 1) * MIB) / seconds / 1e9, 2), unit: 'GB/s' };
}
