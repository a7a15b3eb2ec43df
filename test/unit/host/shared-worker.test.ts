// One worker, several plugins (core/host/shared-worker.ts), on a fake backend:
// each member's calls and orders carry it in their ids, answers reach only the
// member they name, a late answer for a member that left reaches no one, and
// anything malformed ends the worker, every member with it.

import test from 'ava';
import { SHARED_MEMBER_SLOTS } from '../../../core/channel/protocol.js';
import { PluginWorker, type WorkerLogSink } from '../../../core/host/plugin-worker.js';
import { SharedWorker } from '../../../core/host/shared-worker.js';
import { RawJson } from '../../../core/rpc/raw-json.js';
import { sharedSlot as slot } from '../../fixtures/host/shared-slot.js';
import { FakeBackend } from '../../helpers/fake-backend.js';

function rig() {
  const backend = new FakeBackend();
  const lines: Array<[string, string]> = [];
  const sink: WorkerLogSink = { line: (plugin, line) => lines.push([plugin, line]), output: () => undefined };
  const shared = new SharedWorker('light', backend, sink);
  const member = (name: string) => {
    const worker = new PluginWorker(slot, shared.join(name), sink);
    const exits: string[] = [];
    worker.on('exit', (reason: string) => exits.push(reason));
    return { worker, exits };
  };
  return { backend, shared, lines, a: member('a'), b: member('b') };
}

const load = (worker: PluginWorker, name: string) =>
  worker.load({ name, entryUrl: 'file:///x.js', config: {}, dir: '/', loadTimeoutMs: 1000 });

test('each member loads by its own order, and its calls and answers carry it in their ids', async (t) => {
  const { backend, a, b } = rig();
  await Promise.all([load(a.worker, 'a'), load(b.worker, 'b')]);
  t.deepEqual(
    backend.orders.map((order) => order.id % SHARED_MEMBER_SLOTS),
    [0, 1],
  );
  const fromA = a.worker.call('echo', { n: 1 }, 0);
  const fromB = b.worker.call('echo', { n: 2 }, 0);
  const [callA, callB] = backend.calls();
  t.is(callA.id, 1 * SHARED_MEMBER_SLOTS + 0);
  t.is(callB.id, 1 * SHARED_MEMBER_SLOTS + 1);
  backend.channel.deliver({ t: 'result', id: callB.id, json: '"b"' });
  backend.channel.deliver({ t: 'result', id: callA.id, json: '"a"' });
  t.deepEqual(await fromA, new RawJson('"a"'));
  t.deepEqual(await fromB, new RawJson('"b"'));
});

test("a member's log line goes out under its name; signals carry the member", async (t) => {
  const { backend, lines, a, b } = rig();
  await Promise.all([load(a.worker, 'a'), load(b.worker, 'b')]);
  backend.reply({ t: 'log', line: '{"msg":"hello"}', member: 1 });
  t.deepEqual(lines, [['b', '{"msg":"hello","plugin":"b"}']]);
  b.worker.send({ t: 'signal', signal: 'SIGUSR2' });
  t.deepEqual(backend.channel.sent.at(-1), { t: 'signal', signal: 'SIGUSR2', member: 1 });
});

test('a member that stops leaves; its late answer reaches no one; the last to leave ends the worker', async (t) => {
  const { backend, shared, a, b } = rig();
  await Promise.all([load(a.worker, 'a'), load(b.worker, 'b')]);
  void a.worker.call('echo', {}, 0).catch(() => undefined);
  const [late] = backend.calls();
  await a.worker.terminate('stopped');
  t.deepEqual(a.exits, ['stopped']);
  t.true(shared.alive);
  backend.channel.deliver({ t: 'result', id: late.id, json: '1' });
  t.deepEqual(b.exits, [], 'b serves on');
  t.true(shared.alive);
  await b.worker.terminate('stopped');
  t.false(shared.alive);
});

test('a malformed answer ends the worker: every member exits, naming the violation', async (t) => {
  const { backend, shared, a, b } = rig();
  await Promise.all([load(a.worker, 'a'), load(b.worker, 'b')]);
  backend.channel.deliver({ t: 'result', id: -4, json: '1' } as never);
  t.false(shared.alive);
  t.regex(a.exits[0], /^shared worker light ended: protocol violation: a channel message without a valid id/);
  t.regex(b.exits[0], /^shared worker light ended: protocol violation/);
});
