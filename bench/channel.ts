// Channel benchmarks: the shared-memory ring against the postMessage baseline,
// and between processes (channel-process.ts) the ring in a memfd against
// process.send, measured in the same run. This file is also the worker they
// talk to (it starts itself with a `role` in workerData).
//
//   node --import ./test/preload.js bench/channel.ts

import { pathToFileURL } from 'node:url';
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  type Transferable,
  Worker,
  workerData,
} from 'node:worker_threads';
import { attachChannel, DEFAULT_RING_BYTES, openChannel } from '../core/channel/open.js';
import type { CallMessage, ResultMessage } from '../core/channel/protocol.js';
import { RingReader } from '../core/channel/ring-reader.js';
import { RingWriter } from '../core/channel/ring-writer.js';
import { RingRegion, ringRegionBytes } from '../core/channel/ring.js';
import type { ChannelKind, ChannelSpec, Transport } from '../core/channel/transport.js';
import {
  call,
  ENDLESS_FRAMES,
  MEASURE_MS,
  measureRoundTrips,
  oneWay,
  STREAM_WINDOW,
  type Stream,
} from './channel-measure.js';
import { benchProcessChannel } from './channel-process.js';
import { echoCalls } from './echo-worker.js';
import { round } from './harness.js';
import { MIB } from './proc.js';
import { printReport } from './report.js';
import type { BenchResult } from './result.js';

type WorkerRole =
  | { role: 'echo'; spec: ChannelSpec }
  | { role: 'ring-producer'; buffer: SharedArrayBuffer }
  | { role: 'port-producer'; port: MessagePort }
  | { role: 'transport-producer'; spec: ChannelSpec };

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
  results.push(...(await benchProcessChannel()));
  return results;
}

/** Round trips of ~100-byte calls to a worker, each answered with its params (as a plugin's worker answers). */
async function roundTrips(kind: ChannelKind, inFlight: number): Promise<BenchResult> {
  const { local, spec, transferList } = openChannel<ResultMessage, CallMessage>(kind);
  const worker = startWorker({ role: 'echo', spec }, transferList);
  const result = await measureRoundTrips(`channel.${kind}.small.c${inFlight}`, local, inFlight);
  local.close();
  await worker.terminate();
  return result;
}

/** Raw 1 MiB frames through a ring: the writer's backpressure is the only flow control. */
const ringStream: Stream = (onMessage) => {
  const buffer = new SharedArrayBuffer(ringRegionBytes(DEFAULT_RING_BYTES));
  const reader = new RingReader(new RingRegion(buffer, 0, DEFAULT_RING_BYTES));
  reader.start(onMessage);
  const worker = startWorker({ role: 'ring-producer', buffer });
  worker.once('exit', () => reader.close());
  return () => worker.terminate();
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
  return () => worker.terminate();
};

/** 1 MiB results (JSON of a string) through either Transport, each acknowledged by a call. */
function transportStream(kind: ChannelKind, onMessage: () => void): () => Promise<number> {
  const { local, spec, transferList } = openChannel<ResultMessage, CallMessage>(kind);
  local.onMessage((message) => {
    onMessage();
    local.send(call(message.id));
  });
  const worker = startWorker({ role: 'transport-producer', spec }, transferList);
  worker.once('exit', () => local.close());
  return () => worker.terminate();
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
