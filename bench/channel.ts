// Channel benchmarks: the shared-memory ring against the postMessage baseline,
// measured in the same run. This file is also the worker they talk to (it
// starts itself with a `role` in workerData).
//
//   node --import ./test/preload.js bench/channel.ts

import { pathToFileURL } from 'node:url';
import { isMainThread, MessageChannel, type MessagePort, type Transferable, Worker, workerData } from 'node:worker_threads';
import { attachChannel, DEFAULT_RING_BYTES, openChannel } from '../core/channel/open.js';
import type { CallMessage, ResultMessage } from '../core/channel/protocol.js';
import { RingReader } from '../core/channel/ring-reader.js';
import { RingWriter } from '../core/channel/ring-writer.js';
import { RingRegion, ringRegionBytes } from '../core/channel/ring.js';
import type { ChannelKind, ChannelSpec, Transport } from '../core/channel/transport.js';
import { echoCalls } from './echo-worker.js';
import { newHistogram, round } from './harness.js';
import { MIB } from './proc.js';
import { printReport } from './report.js';
import type { BenchResult } from './result.js';

const WARMUP_MS = 300;
const MEASURE_MS = 2000;
const NS_PER_MS = 1e6;
/** 1 MiB messages a postMessage or transport producer may have unacknowledged (the ring needs none: it has backpressure). */
const STREAM_WINDOW = 8;

type WorkerRole =
  | { role: 'echo'; spec: ChannelSpec }
  | { role: 'ring-producer'; buffer: SharedArrayBuffer }
  | { role: 'port-producer'; port: MessagePort }
  | { role: 'transport-producer'; spec: ChannelSpec };

/** A message stream that can outlast any measurement, and is cut short by terminating the worker. */
const ENDLESS_FRAMES = 1_000_000;

// ---- the measurements -------------------------------------------------------

export async function benchChannel(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const kind of ['sab', 'postmessage'] as const) {
    results.push(await roundTrips(kind, 1), await roundTrips(kind, 32));
  }
  results.push(
    await oneWay('channel.sab.1mib', ringStream),
    await oneWay('channel.postmessage.1mib', portStream),
    await oneWay('channel.sab.json.1mib', (onMessage) => transportStream('sab', onMessage)),
    await oneWay('channel.postmessage.json.1mib', (onMessage) => transportStream('postmessage', onMessage)),
    memcpy(),
  );
  return results;
}

/** Round trips of ~100-byte calls, each answered with its params (as a plugin's worker answers), with `inFlight` outstanding; latency from send to answer. */
async function roundTrips(kind: ChannelKind, inFlight: number): Promise<BenchResult> {
  const { local, spec, transferList } = openChannel<ResultMessage, CallMessage>(kind);
  const worker = startWorker({ role: 'echo', spec }, transferList);
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
  local.close();
  await worker.terminate();
  const elapsedS = (performance.now() - measureFrom) / 1000;
  return {
    name: `channel.${kind}.small.c${inFlight}`,
    value: Math.round(completed / elapsedS),
    unit: 'round trips/s',
    p50_us: latencyNs.getValueAtPercentile(50) / 1000,
    p99_us: latencyNs.getValueAtPercentile(99) / 1000,
  };
}

function call(id: number): CallMessage {
  return { t: 'call', id, method: 'say', params: { text: 'hello from the plugd channel benchmark!' } };
}

/** Starts a stream of 1 MiB messages towards this thread, calling `onMessage` for each; returns its worker. */
type Stream = (onMessage: () => void) => Worker;

/** GB/s of 1 MiB messages from a worker to this thread, after a warm-up. */
async function oneWay(name: string, stream: Stream): Promise<BenchResult> {
  const measureFrom = performance.now() + WARMUP_MS;
  let firstAt = 0;
  let received = 0;
  let worker: Worker | undefined;
  await new Promise<void>((resolve) => {
    worker = stream(() => {
      const now = performance.now();
      if (now < measureFrom) return;
      if (received++ === 0) firstAt = now;
      if (now - firstAt >= MEASURE_MS) resolve();
    });
  });
  const seconds = (performance.now() - firstAt) / 1000;
  await worker!.terminate();
  return { name, value: round(((received - 1) * MIB) / seconds / 1e9, 2), unit: 'GB/s' };
}

/** Raw 1 MiB frames through a ring: the writer's backpressure is the only flow control. */
const ringStream: Stream = (onMessage) => {
  const buffer = new SharedArrayBuffer(ringRegionBytes(DEFAULT_RING_BYTES));
  const reader = new RingReader(new RingRegion(buffer, 0, DEFAULT_RING_BYTES));
  reader.start(onMessage);
  const worker = startWorker({ role: 'ring-producer', buffer });
  worker.once('exit', () => reader.close());
  return worker;
};

/** 1 MiB Uint8Arrays, copied (not transferred) by structured clone, acknowledged one by one. */
const portStream: Stream = (onMessage) => {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', () => {
    onMessage();
    port1.postMessage(0);
  });
  const worker = startWorker({ role: 'port-producer', port: port2 }, [port2]);
  worker.once('exit', () => port1.close());
  return worker;
};

/** 1 MiB results (JSON of a string) through either Transport, each acknowledged by a call. */
function transportStream(kind: ChannelKind, onMessage: () => void): Worker {
  const { local, spec, transferList } = openChannel<ResultMessage, CallMessage>(kind);
  local.onMessage((message) => {
    onMessage();
    local.send(call(message.id));
  });
  const worker = startWorker({ role: 'transport-producer', spec }, transferList);
  worker.once('exit', () => local.close());
  return worker;
}

/** The ceiling: copying 1 MiB between two buffers already in memory. */
function memcpy(): BenchResult {
  const source = new Uint8Array(MIB).fill(7);
  const target = new Uint8Array(MIB);
  let copies = 0;
  const start = performance.now();
  while (performance.now() - start < MEASURE_MS / 2) {
    for (let i = 0; i < 100; i++) target.set(source);
    copies += 100;
  }
  const seconds = (performance.now() - start) / 1000;
  return { name: 'memcpy.1mib', value: round((copies * MIB) / seconds / 1e9, 2), unit: 'GB/s' };
}

// ---- the worker side --------------------------------------------------------

function startWorker(role: WorkerRole, transferList: Transferable[] = []): Worker {
  return new Worker(new URL(import.meta.url), { workerData: { benchChannel: role }, transferList });
}

function runWorker(role: WorkerRole): void {
  switch (role.role) {
    case 'echo':
      return echoCalls(role.spec);
    case 'ring-producer': {
      const writer = new RingWriter(new RingRegion(role.buffer, 0, DEFAULT_RING_BYTES));
      const frame = new Uint8Array(MIB).fill(42);
      for (let i = 0; i < ENDLESS_FRAMES; i++) writer.send(frame);
      return;
    }
    case 'port-producer': {
      const frame = new Uint8Array(MIB).fill(42);
      role.port.on('message', () => role.port.postMessage(frame));
      for (let i = 0; i < STREAM_WINDOW; i++) role.port.postMessage(frame);
      return;
    }
    case 'transport-producer': {
      const transport: Transport<CallMessage, ResultMessage> = attachChannel(role.spec);
      const text = 'x'.repeat(MIB);
      let id = 0;
      const send = (): void => transport.send({ t: 'result', id: id++, json: JSON.stringify({ text }) });
      transport.onMessage(send);
      for (let i = 0; i < STREAM_WINDOW; i++) send();
      return;
    }
  }
}

// ---- entry points -----------------------------------------------------------

const role = (workerData as { benchChannel?: WorkerRole } | null)?.benchChannel;
if (!isMainThread && role) runWorker(role);
else if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printReport(await benchChannel());
}
