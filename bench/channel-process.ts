// Channel benchmarks between processes: the ring in a memfd (the native addon,
// doorbells for the wake-ups) against what a Node user reaches for first, a
// forked child answering over process.send. This file is also the child they
// talk to (it starts itself with a role as its argument).
//
//   node --import ./test/preload.js bench/channel.ts     (runs these too)

import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DoorbellWaker } from '../core/channel/doorbell-waker.js';
import { DEFAULT_RING_BYTES } from '../core/channel/open.js';
import { attachProcessChannel, prepareProcessChannel } from '../core/channel/process-channel.js';
import type { CallMessage, ResultMessage } from '../core/channel/protocol.js';
import { RingReader } from '../core/channel/ring-reader.js';
import { RingWriter } from '../core/channel/ring-writer.js';
import { RingRegion, ringRegionBytes } from '../core/channel/ring.js';
import { loadShm, type SabShm, shmMissingReason } from '../core/channel/shm.js';
import type { ProcessChannelSpec } from '../core/channel/transport.js';
import {
  type EchoTransport,
  ENDLESS_FRAMES,
  measureRoundTrips,
  oneWay,
  STREAM_WINDOW,
  type Stream,
} from './channel-measure.js';
import { killIfAlive, onCleanup } from './cleanup.js';
import { MIB } from './proc.js';
import type { BenchResult } from './result.js';

type ChildRole =
  | { role: 'echo'; spec: ProcessChannelSpec }
  | { role: 'ipc-echo' }
  /** Writes 1 MiB frames into a ring of the inherited memfd (fd 4), sleeping on doorbell fd 5 and ringing fd 6. */
  | { role: 'ring-producer' }
  | { role: 'ipc-producer' };

/** stdin, stdout, stderr, 'ipc': the fds a child inherits start at 4. */
const FIRST_FD = 4;

export async function benchProcessChannel(): Promise<BenchResult[]> {
  const shm = loadShm();
  const results: BenchResult[] = [];
  for (const inFlight of [1, 32]) {
    if (shm) results.push(await shmRoundTrips(inFlight));
    results.push(await ipcRoundTrips(inFlight));
  }
  if (shm) results.push(await oneWay('channel.shm.1mib', (onMessage) => shmStream(shm, onMessage)));
  results.push(await oneWay('channel.ipc.1mib', ipcStream));
  if (!shm) console.log(`  channel.shm.* not measured: ${shmMissingReason()}`);
  return results;
}

async function shmRoundTrips(inFlight: number): Promise<BenchResult> {
  const prepared = prepareProcessChannel<ResultMessage, CallMessage>('shm', { name: 'bench', firstFd: FIRST_FD });
  const child = startChild({ role: 'echo', spec: prepared.spec }, prepared.stdio);
  const local = prepared.connect(child);
  const result = await measureRoundTrips(`channel.shm.small.c${inFlight}`, local, inFlight);
  local.close();
  await stopChild(child);
  return result;
}

/** The baseline: calls and answers as process.send messages (JSON over the IPC pipe). */
async function ipcRoundTrips(inFlight: number): Promise<BenchResult> {
  const child = startChild({ role: 'ipc-echo' });
  const local: EchoTransport = {
    send: (message) => child.send(message),
    onMessage: (listener) => child.on('message', listener),
    close: () => child.disconnect(),
  };
  const result = await measureRoundTrips(`channel.ipc.small.c${inFlight}`, local, inFlight);
  await stopChild(child);
  return result;
}

/** Raw 1 MiB frames through a ring in a memfd: the writer's backpressure is the only flow control. */
function shmStream(shm: SabShm, onMessage: () => void): () => Promise<unknown> {
  const region = shm.create('bench-stream', ringRegionBytes(DEFAULT_RING_BYTES));
  const bells = { own: shm.doorbell(), peer: shm.doorbell() };
  const waker = new DoorbellWaker(shm, bells.own, bells.peer);
  const reader = new RingReader(new RingRegion(region.buffer, 0, DEFAULT_RING_BYTES, waker));
  reader.start(onMessage);
  // The child's own bell is our peer bell, and the other way round.
  const child = startChild({ role: 'ring-producer' }, [region.fd, bells.peer, bells.own]);
  closeSync(region.fd);
  return async () => {
    await stopChild(child);
    reader.close();
    waker.close();
    closeSync(bells.own);
    closeSync(bells.peer);
  };
}

/** 1 MiB Uint8Arrays over process.send with structured clone (its fastest form for bytes), acknowledged one by one. */
const ipcStream: Stream = (onMessage) => {
  const child = startChild({ role: 'ipc-producer' }, [], 'advanced');
  child.on('message', () => {
    onMessage();
    child.send(0);
  });
  return () => stopChild(child);
};

function startChild(role: ChildRole, fds: number[] = [], serialization: 'json' | 'advanced' = 'json'): ChildProcess {
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc', ...fds];
  const args = [...process.execArgv, fileURLToPath(import.meta.url), JSON.stringify(role)];
  const child = spawn(process.execPath, args, { stdio, serialization });
  const forget = onCleanup(() => killIfAlive(child.pid!));
  child.once('exit', forget);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

// ---- the child side ---------------------------------------------------------

function runChild(role: ChildRole): void {
  switch (role.role) {
    case 'echo': {
      const transport = attachProcessChannel<CallMessage, ResultMessage>(role.spec);
      transport.onMessage((call) => transport.send({ t: 'result', id: call.id, json: JSON.stringify(call.params) }));
      return;
    }
    case 'ipc-echo':
      process.on('message', (call: CallMessage) =>
        process.send!({ t: 'result', id: call.id, json: JSON.stringify(call.params) }),
      );
      return;
    case 'ring-producer': {
      const shm = loadShm()!;
      const buffer = shm.attach(FIRST_FD, ringRegionBytes(DEFAULT_RING_BYTES));
      const waker = new DoorbellWaker(shm, FIRST_FD + 1, FIRST_FD + 2);
      const writer = new RingWriter(new RingRegion(buffer, 0, DEFAULT_RING_BYTES, waker));
      const frame = new Uint8Array(MIB).fill(42);
      for (let i = 0; i < ENDLESS_FRAMES; i++) writer.send(frame);
      return;
    }
    case 'ipc-producer': {
      const frame = new Uint8Array(MIB).fill(42);
      process.on('message', () => process.send!(frame));
      for (let i = 0; i < STREAM_WINDOW; i++) process.send!(frame);
      return;
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2])
  runChild(JSON.parse(process.argv[2]) as ChildRole);
