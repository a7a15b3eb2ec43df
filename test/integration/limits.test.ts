// Limits and abuse: every bound answers -32005 or cuts off only the client
// that passed it; the daemon and the other clients go on.

import test from 'ava';
import { connect } from 'node:net';
import { startDaemon } from '../helpers/daemon.js';
import { heldHandler, latch } from '../helpers/latch.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { until } from '../helpers/until.js';

const SLOW = `export default { setup(ctx) {
  ctx.rpc.method('wait', {}, ({ ms }) => new Promise((resolve) => setTimeout(() => resolve('done'), ms ?? 300)));
  ctx.rpc.method('big', {}, ({ bytes }) => 'x'.repeat(bytes));
  ctx.rpc.method('held', {}, ${heldHandler("'done'")});
} }`;

const request = (method: string, params: unknown, id: number | string) =>
  JSON.stringify({ jsonrpc: '2.0', method, params, id }) + '\n';

test('connections beyond maxConnections get -32005 and are closed; the others are served', async (t) => {
  const daemon = await startDaemon(t, { config: { limits: { maxConnections: 5 } } });
  const held = await Promise.all(Array.from({ length: 4 }, () => RawSocket.open(daemon.socket)));
  t.teardown(() => held.forEach((raw) => raw.close()));
  // The test's own client holds the fifth.
  t.is((await daemon.call('daemon.status')).connections, 5);
  const extra = await RawSocket.open(daemon.socket);
  const [refused] = await extra.read(1);
  t.is(refused.error.code, -32005);
  await t.throwsAsync(extra.read(1, 5000), { message: /closed/ });
  t.is((await held[0].request({ jsonrpc: '2.0', method: 'daemon.status', id: 1 })).id, 1);
});

test('calls beyond the in-flight bound of a connection, or of a plugin, get -32005 at once', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'slow.plugin.js': SLOW },
    config: { limits: { maxInFlightPerConnection: 10, maxInFlightPerPlugin: 15 } },
  });
  const first = await RawSocket.open(daemon.socket);
  const second = await RawSocket.open(daemon.socket);
  t.teardown(() => [first, second].forEach((raw) => raw.close()));
  const codes = (answers: any[]) => answers.map((answer) => answer.error?.code ?? answer.result);
  // Ten held calls fill the connection; the refusals come back at once, before them.
  const held = latch(daemon.home);
  first.send(Array.from({ length: 12 }, (_, id) => request('slow.held', held.params, id)).join(''));
  t.deepEqual(codes(await first.read(2)), [-32005, -32005]);
  // The plugin holds those ten until released: five more fit, from any connection.
  await held.entered(10);
  second.send(Array.from({ length: 8 }, (_, id) => request('slow.wait', { ms: 10 }, id)).join(''));
  const secondAnswers = codes(await second.read(8));
  t.deepEqual(secondAnswers.filter((code) => code === -32005).length, 3);
  held.release();
  t.deepEqual(codes(await first.read(10)), Array(10).fill('done'));
});

test('a client that stops reading is cut off without slowing the others', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'slow.plugin.js': SLOW },
    config: { limits: { slowReaderGraceMs: 200 } },
  });
  const reader = await daemon.client();
  const sleeper = connect(daemon.socket);
  const closed = new Promise<void>((resolve) => sleeper.on('close', () => resolve()));
  sleeper.on('error', () => undefined);
  await new Promise<void>((resolve) => sleeper.on('connect', () => resolve()));
  sleeper.pause(); // Never reads its answers.
  for (let id = 0; id < 100; id++) sleeper.write(request('slow.big', { bytes: 100_000 }, id));
  t.is(await reader.call('slow.wait', { ms: 1 }), 'done');
  // Still not reading: the daemon cuts it off once its grace has passed (the reader alone remains).
  await until(
    () => reader.call<{ connections: number }>('daemon.status'),
    (status) => status.connections === 1,
  );
  sleeper.resume();
  await closed;
  t.is((await reader.call<{ pid: number }>('daemon.status')).pid, daemon.pid);
});

test('an idle connection is closed; a client that leaves mid-call harms nothing', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'slow.plugin.js': SLOW },
    config: { limits: { idleTimeoutMs: 300 } },
  });
  const idle = await RawSocket.open(daemon.socket);
  await t.throwsAsync(idle.read(1, 10_000), { message: /closed/ });

  const leaver = await RawSocket.open(daemon.socket);
  leaver.send(request('slow.wait', { ms: 100 }, 1));
  leaver.close();
  const stayer = await RawSocket.open(daemon.socket);
  t.teardown(() => stayer.close());
  t.is((await stayer.request({ jsonrpc: '2.0', method: 'slow.wait', params: { ms: 200 }, id: 2 })).result, 'done');
  const [plugin] = await daemon.call('plugins.list');
  t.is(plugin.state, 'ready');
  t.is(plugin.inFlight, 0);
});
