import test from 'ava';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { openChannel, type ChannelOptions } from '../../core/channel/open.js';
import type { CallMessage, ResultMessage } from '../../core/channel/protocol.js';
import type { ChannelKind, Transport } from '../../core/channel/transport.js';

/** The core sends calls; the echo worker answers each with its params as the result, as a plugin's worker would. */
type EchoTransport = Transport<ResultMessage, CallMessage>;

interface Echo {
  id: number;
  text?: string;
}

const echoWorkerUrl = new URL('../fixtures/channel/echo-worker.ts', import.meta.url);

function startEcho(kind: ChannelKind, options?: ChannelOptions): { transport: EchoTransport; worker: Worker } {
  const channel = openChannel<ResultMessage, CallMessage>(kind, options);
  const worker = new Worker(echoWorkerUrl, { workerData: { spec: channel.spec }, transferList: channel.transferList });
  return { transport: channel.local, worker };
}

function send(transport: EchoTransport, { id, text }: Echo): void {
  transport.send({ t: 'call', id, method: 'echo', params: text === undefined ? {} : { text } });
}

/** Resolves with the first `count` answers the transport delivers. */
function collect(transport: EchoTransport, count: number): Promise<Echo[]> {
  const received: Echo[] = [];
  return new Promise((resolve) => {
    transport.onMessage((answer) => {
      received.push({ id: answer.id, ...(JSON.parse(answer.json) as { text?: string }) });
      if (received.length === count) resolve(received);
    });
  });
}

/** Closes the core's end and waits for the worker to exit by itself. */
async function closeAndJoin(transport: EchoTransport, worker: Worker): Promise<number> {
  transport.close();
  const [exitCode] = (await once(worker, 'exit')) as [number];
  return exitCode;
}

const ids = (count: number): number[] => Array.from({ length: count }, (_, id) => id);

for (const kind of ['sab', 'postmessage'] as const) {
  test(`${kind}: a message makes the round trip through a worker`, async (t) => {
    const { transport, worker } = startEcho(kind);
    const replies = collect(transport, 1);
    send(transport, { id: 7, text: 'héllo 🌍' });
    t.deepEqual(await replies, [{ id: 7, text: 'héllo 🌍' }]);
    t.is(await closeAndJoin(transport, worker), 0);
  });

  test(`${kind}: 10k pipelined messages come back in order`, async (t) => {
    const { transport, worker } = startEcho(kind);
    const replies = collect(transport, 10_000);
    for (const id of ids(10_000)) send(transport, { id, text: `message ${id}` });
    t.deepEqual((await replies).map((message) => message.id), ids(10_000));
    t.is(await closeAndJoin(transport, worker), 0);
  });

  test(`${kind}: close() stops delivery and lets the worker exit`, async (t) => {
    const { transport, worker } = startEcho(kind);
    await Promise.all([collect(transport, 1), send(transport, { id: 0 })]);
    let deliveredAfterClose = 0;
    transport.onMessage(() => deliveredAfterClose++);
    // The worker still echoes these, but after close() nothing may reach the core's listener.
    for (const id of ids(100)) send(transport, { id });
    t.is(await closeAndJoin(transport, worker), 0);
    await new Promise((resolve) => setImmediate(resolve));
    t.is(deliveredAfterClose, 0);
  });

  test(`${kind}: a message over 1 MiB crosses intact`, async (t) => {
    const { transport, worker } = startEcho(kind);
    const text = 'plugd ü € 😀 '.repeat(100_000);
    t.true(Buffer.byteLength(text) > 1024 * 1024);
    const replies = collect(transport, 2);
    send(transport, { id: 1, text });
    send(transport, { id: 2 });
    t.deepEqual(await replies, [{ id: 1, text }, { id: 2 }]);
    t.is(await closeAndJoin(transport, worker), 0);
  });

  test(`${kind}: a worker terminated under the core's feet does not break the core side`, async (t) => {
    const { transport, worker } = startEcho(kind);
    await Promise.all([collect(transport, 1), send(transport, { id: 0 })]);
    await worker.terminate();
    // Enough to fill the ring: the rest waits in the queue for a reader that is gone.
    for (const id of ids(2_000)) send(transport, { id, text: 'x'.repeat(1000) });
    t.notThrows(() => {
      transport.close();
      transport.close();
    });
  });
}

test('sab: rings of 64 bytes still carry every message whole and in order', async (t) => {
  const { transport, worker } = startEcho('sab', { ringBytes: 64 });
  const sent = ids(300).map((id) => ({ id, text: 'ü'.repeat(id % 97) }));
  const replies = collect(transport, sent.length);
  for (const message of sent) send(transport, message);
  t.deepEqual(await replies, sent);
  t.is(await closeAndJoin(transport, worker), 0);
});
