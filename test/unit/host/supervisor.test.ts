// The supervisor against a fake worker (test/helpers/fake-backend.ts): the
// state machine, blue/green reload and rollback, crash backoff and cap, and
// that every phase error names the plugin and the phase.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import {
  DEFAULT_IDLE_STOP_MS,
  DEFAULT_LIMITS,
  DEFAULT_SUPERVISION,
  type Supervision,
} from '../../../core/config/config.js';
import { createHooks } from '../../../core/hooks.js';
import { MethodRegistry } from '../../../core/rpc/registry.js';
import { RawJson } from '../../../core/rpc/raw-json.js';
import { PluginWorker } from '../../../core/host/plugin-worker.js';
import { PluginSupervisor, type SupervisorEnvironment } from '../../../core/host/supervisor.js';
import type { WorkerSlot } from '../../../core/host/worker-backend.js';
import { FakeBackend } from '../../helpers/fake-backend.js';
import { LearningSlots } from '../../../core/host/learning-slots.js';
import { until } from '../../helpers/until.js';

interface Rig {
  supervisor: PluginSupervisor;
  registry: MethodRegistry;
  /** Every backend booted so far, oldest first. */
  backends: FakeBackend[];
  /** Scripts the next backend before the supervisor boots it. */
  next: (script: (backend: FakeBackend) => void) => void;
  call: (params?: unknown) => Promise<unknown>;
  /** The plugin's entry file (compiled for real). */
  entry: string;
}

const slot: WorkerSlot = {
  isolation: 'thread',
  channel: 'postmessage',
  resourceLimits: {},
  heartbeatTimeoutMs: 60_000,
  logLevel: 'silent',
};

type ActivationSettings = Partial<Pick<SupervisorEnvironment, 'activation' | 'idleStopMs'>>;

function rig(t: ExecutionContext, supervision: Partial<Supervision> = {}, activation: ActivationSettings = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-supervisor-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const entry = join(dir, 'p.plugin.mjs');
  writeFileSync(entry, 'export default { setup() {} };\n');
  const registry = new MethodRegistry();
  const backends: FakeBackend[] = [];
  const scripts: Array<(backend: FakeBackend) => void> = [];
  const sink = { line: () => undefined, output: () => undefined };
  const supervisor = new PluginSupervisor(
    { name: 'p', path: entry, entry },
    {
      registry,
      hooks: createHooks(),
      logger: pino({ level: 'silent' }),
      boot: (wanted) => {
        const backend = new FakeBackend();
        scripts.shift()?.(backend);
        backends.push(backend);
        return new PluginWorker(wanted, backend, sink);
      },
      slot,
      supervision: {
        ...DEFAULT_SUPERVISION,
        restart: { initialDelayMs: 5, maxDelayMs: 10, maxCrashes: 3, windowMs: 60_000 },
        ...supervision,
      },
      maxInFlight: 100,
      schemaCaps: DEFAULT_LIMITS,
      config: undefined,
      buildCache: join(dir, 'cache'),
      activation: 'eager',
      idleStopMs: DEFAULT_IDLE_STOP_MS,
      learning: new LearningSlots(1),
      ...activation,
    },
  );
  t.teardown(() => supervisor.unload());
  const call = (params?: unknown) =>
    Promise.resolve(registry.get('p.echo')!.handler(params, { method: 'p.echo', params }));
  return { supervisor, registry, backends, next: (script) => scripts.push(script), call, entry };
}

/** Answers the one call sent to `backend` so far. */
function answer(backend: FakeBackend, json: string): void {
  const [call] = backend.calls();
  backend.channel.deliver({ t: 'result', id: call.id, json });
}

test('load makes the plugin ready and registers its methods under its name', async (t) => {
  const { supervisor, registry, backends, call } = rig(t);
  await supervisor.load();
  t.is(supervisor.state, 'ready');
  t.true(registry.has('p.echo'));
  const pending = call({ x: 1 });
  answer(backends[0], '{"x":1}');
  t.deepEqual(await pending, new RawJson('{"x":1}'));
  t.like(supervisor.status(), { state: 'ready', served: 1, isolation: 'thread', channel: 'postmessage' });
});

test('blue/green: a call in flight on the old worker is answered by it after the new one serves', async (t) => {
  const { supervisor, backends, call } = rig(t);
  await supervisor.load();
  const inFlight = call('old');
  await supervisor.reload({ force: true });
  t.is(backends.length, 2);
  // The old worker drains: it has not been told to stop while its call is pending.
  t.false(backends[0].orders.some((order) => order.t === 'stop'));
  const fresh = call('new');
  t.is(backends[1].calls().length, 1);
  answer(backends[0], '"old"');
  t.deepEqual(await inFlight, new RawJson('"old"'));
  await until(
    async () => backends[0].orders.map((order) => order.t),
    (kinds) => kinds.includes('stop'),
  );
  answer(backends[1], '"new"');
  t.deepEqual(await fresh, new RawJson('"new"'));
});

test('a reload whose new version fails leaves the old one serving, and names plugin and phase', async (t) => {
  const { supervisor, backends, next, call } = rig(t);
  await supervisor.load();
  next((backend) => (backend.script.load = { fail: 'setup threw' }));
  const error = await t.throwsAsync<any>(supervisor.reload({ force: true }));
  t.is(error.message, 'plugin p failed to load: setup threw');
  t.like(error.data, { plugin: 'p', phase: 'load' });
  t.is(supervisor.state, 'ready');
  const pending = call();
  answer(backends[0], '1');
  t.deepEqual(await pending, new RawJson('1'));
});

test('each phase that misses its deadline says which phase and which limit', async (t) => {
  const { supervisor, next } = rig(t, { loadTimeoutMs: 30, snapshotTimeoutMs: 30 });
  next((backend) => (backend.script.load = 'silent'));
  const load = await t.throwsAsync<any>(supervisor.load());
  t.is(load.message, 'plugin p failed to load: load missed its deadline of 30 ms');
  t.like(load.data, { plugin: 'p', phase: 'load' });
  t.is(supervisor.state, 'failed');

  next((backend) => {
    backend.script.load = { value: { methods: [{ name: 'echo' }], signals: [], hooks: [], snapshot: true } };
    backend.script.snapshot = 'silent';
  });
  await supervisor.reload({ force: true });
  t.is(supervisor.state, 'ready');
  const snapshot = await t.throwsAsync<any>(supervisor.reload({ force: true }));
  t.is(snapshot.message, 'plugin p failed to snapshot its state: snapshot missed its deadline of 30 ms');
  t.like(snapshot.data, { plugin: 'p', phase: 'snapshot' });
  t.is(supervisor.state, 'ready');
});

test('a snapshot failure is reported as a snapshot failure, not a load failure', async (t) => {
  const { supervisor, next } = rig(t);
  const manifest = { methods: [{ name: 'echo' }], signals: [], hooks: [], snapshot: true };
  next((backend) => {
    backend.script.load = { value: manifest };
    backend.script.snapshot = { fail: 'state is not cloneable' };
  });
  await supervisor.load();
  const error = await t.throwsAsync<any>(supervisor.reload({ force: true }));
  t.is(error.message, 'plugin p failed to snapshot its state: state is not cloneable');
  t.like(error.data, { plugin: 'p', phase: 'snapshot' });
  t.is(supervisor.state, 'ready');
});

test('a pause that misses its deadline names the pause phase', async (t) => {
  const { supervisor, next } = rig(t, { pauseTimeoutMs: 30 });
  next((backend) => (backend.script.pause = 'silent'));
  await supervisor.load();
  const error = await t.throwsAsync<any>(supervisor.setPaused(true));
  t.is(error.message, 'plugin p failed to pause: pause missed its deadline of 30 ms');
  t.like(error.data, { plugin: 'p', phase: 'pause' });
});

test('a crash answers calls in flight with -32001 at once, restarts with backoff, and the cap leaves it failed', async (t) => {
  const { supervisor, backends, call } = rig(t);
  await supervisor.load();
  const inFlight = call();
  backends[0].die('exited with code 1');
  const error = await t.throwsAsync<any>(inFlight);
  t.is(error.code, -32001);
  t.like(error.data, { plugin: 'p' });
  t.is(supervisor.state, 'backoff');
  await until(
    async () => supervisor.state,
    (state) => state === 'ready',
  );
  t.is(supervisor.status().restarts, 1);
  backends[1].die('exited with code 1');
  await until(
    async () => supervisor.state,
    (state) => state === 'ready',
  );
  backends[2].die('exited with code 1');
  t.is(supervisor.state, 'failed');
  t.regex(supervisor.status().lastError!, /exited with code 1/);
  const refused = await t.throwsAsync<any>(call());
  t.is(refused.code, -32001);
  t.regex(refused.message, /plugin p failed: exited with code 1/);
});

test('params the channel cannot send are refused at once and leave nothing pending', async (t) => {
  const { supervisor, backends, call } = rig(t);
  await supervisor.load();
  backends[0].channel.refuse = 'Maximum call stack size exceeded';
  const error = await t.throwsAsync<any>(call({ deep: true }));
  t.is(error.code, -32602);
  t.regex(error.message, /p\.echo: params cannot be sent: Maximum call stack size exceeded/);
  t.is(supervisor.status().inFlight, 0);
});

test('a worker that dies just as its setup answers (both in one task) is a crash, not a ready plugin with a dead worker', async (t) => {
  const { supervisor, backends, next } = rig(t);
  next((backend) => {
    const post = backend.post.bind(backend);
    // The answer is queued first, the death right behind it, before anything acts on the answer.
    backend.post = (order) => {
      post(order);
      if (order.t === 'load') queueMicrotask(() => backend.die('exited with code 1'));
    };
  });
  await supervisor.load();
  t.is(supervisor.state, 'backoff');
  const back = await until(
    async () => supervisor.status(),
    (status) => status.state === 'ready',
  );
  t.like(back, { restarts: 1, lastError: 'exited with code 1' });
  t.is(backends.length, 2);
});

const STATEFUL = { methods: [{ name: 'echo' }], signals: [], hooks: [], snapshot: true };

test('freeze: calls that arrive while the old worker finishes its calls wait, then go to the new worker with the state', async (t) => {
  const { supervisor, backends, next, call } = rig(t);
  next((backend) => (backend.script.load = { value: STATEFUL }));
  await supervisor.load();
  backends[0].script.snapshot = { value: 41 };
  const inFlight = call('before');
  const reloading = supervisor.reload({ force: true });
  // The new worker has loaded (its reply is a microtask, done before this poll's timer): the gate is closed.
  await until(async () => backends.length === 2 && backends[1].orders.some((order) => order.t === 'load'), Boolean);
  const queued = call('during');
  // Held at the gate: the old worker has only its first call, and no snapshot was asked while it runs.
  t.is(backends[0].calls().length, 1);
  t.false(backends[0].orders.some((order) => order.t === 'snapshot'));
  answer(backends[0], '"before"');
  t.deepEqual(await inFlight, new RawJson('"before"'));
  await reloading;
  t.like(
    backends[1].orders.find((order) => order.t === 'restore'),
    { state: 41 },
  );
  await until(
    async () => backends[1].calls().length,
    (count) => count === 1,
  );
  answer(backends[1], '"during"');
  t.deepEqual(await queued, new RawJson('"during"'));
  t.is(backends[0].calls().length, 1, 'nothing reached the old worker after its snapshot');
});

test('freeze: a restore that fails rolls back, and the calls that waited go to the old worker', async (t) => {
  const { supervisor, backends, next, call } = rig(t);
  next((backend) => (backend.script.load = { value: STATEFUL }));
  await supervisor.load();
  // The snapshot is held until the test has queued a call, so the call surely waits at the gate.
  backends[0].script.snapshot = 'silent';
  next((backend) => (backend.script.restore = { fail: 'restore threw' }));
  const reloading = supervisor.reload({ force: true });
  await until(async () => backends[0].orders.some((order) => order.t === 'snapshot'), Boolean);
  const queued = call('waited');
  const snapshot = backends[0].orders.find((order) => order.t === 'snapshot')!;
  backends[0].reply({ id: snapshot.id, ok: true, value: 1 });
  const error = await t.throwsAsync<any>(reloading);
  t.is(error.message, 'plugin p failed to restore its state: restore threw');
  t.like(error.data, { plugin: 'p', phase: 'restore' });
  await until(
    async () => backends[0].calls().length,
    (count) => count === 1,
  );
  answer(backends[0], '"old"');
  t.deepEqual(await queued, new RawJson('"old"'));
  t.is(supervisor.state, 'ready');
});

test('freeze() for a hand-over: the snapshot with the gate closed, release() lets the waiting calls on; unload refuses them', async (t) => {
  const { supervisor, backends, next, call } = rig(t);
  next((backend) => (backend.script.load = { value: STATEFUL }));
  await supervisor.load();
  backends[0].script.snapshot = { value: { count: 3 } };
  const frozen = await supervisor.freeze();
  t.deepEqual(frozen?.value, { count: 3 });
  const released = call('released');
  await Promise.resolve();
  t.is(backends[0].calls().length, 0);
  frozen!.release();
  await until(
    async () => backends[0].calls().length,
    (count) => count === 1,
  );
  answer(backends[0], '"released"');
  t.deepEqual(await released, new RawJson('"released"'));

  await supervisor.freeze();
  const refused = call('refused');
  await supervisor.unload();
  const error = await t.throwsAsync<any>(refused);
  t.is(error.code, -32001);
  t.is(backends[0].calls().length, 1);
});

test('load(state) restores the state before the plugin serves; a plugin without snapshot is not frozen', async (t) => {
  const { supervisor, backends } = rig(t);
  await supervisor.load({ value: 'kept' });
  t.deepEqual(
    backends[0].orders.map((order) => order.t),
    ['load', 'restore', 'resume'],
  );
  t.like(backends[0].orders[1], { state: 'kept' });
  t.is(await supervisor.freeze(), undefined);
});

test('freeze: the calls waiting at the gate are capped at maxInFlightPerPlugin, then -32005', async (t) => {
  const { supervisor, backends, next, call } = rig(t);
  next((backend) => (backend.script.load = { value: STATEFUL }));
  await supervisor.load();
  const frozen = await supervisor.freeze();
  const waiting = Array.from({ length: 100 }, () => call());
  const refused = await t.throwsAsync<any>(call());
  t.is(refused.code, -32005);
  t.is(refused.message, 'plugin p is overloaded: 100 calls waiting while it is frozen');
  t.like(refused.data, { plugin: 'p', phase: 'freeze' });
  frozen!.release();
  await until(
    async () => backends[0].calls().length,
    (count) => count === 100,
  );
  for (const sent of backends[0].calls()) backends[0].channel.deliver({ t: 'result', id: sent.id, json: '1' });
  t.is((await Promise.all(waiting)).length, 100);
});

test('freeze: a worker that crashes while its calls finish fails the reload, and restarts as after any crash', async (t) => {
  const { supervisor, backends, next, call } = rig(t);
  next((backend) => (backend.script.load = { value: STATEFUL }));
  await supervisor.load();
  const inFlight = call('running');
  next((backend) => (backend.script.load = { value: STATEFUL }));
  const reloading = supervisor.reload({ force: true });
  await until(async () => backends.length === 2 && backends[1].orders.some((order) => order.t === 'load'), Boolean);
  backends[0].die('exited with code 1');
  t.is((await t.throwsAsync<any>(inFlight)).code, -32001);
  const error = await t.throwsAsync<any>(reloading);
  t.like(error.data, { plugin: 'p', phase: 'snapshot' });
  t.regex(error.message, /worker died during snapshot: exited with code 1/);
  t.is(supervisor.state, 'backoff');
  await until(
    async () => supervisor.state,
    (state) => state === 'ready',
  );
});

test('other settings reload an unchanged plugin, and its new worker loads with them', async (t) => {
  const { supervisor, backends } = rig(t);
  await supervisor.load();
  t.deepEqual(await supervisor.reload({ settings: supervisor.settings }), { name: 'p', changed: false });
  const settings = { ...supervisor.settings, config: { n: 2 }, maxInFlight: 7 };
  t.deepEqual(await supervisor.reload({ settings }), { name: 'p', changed: true });
  t.is(backends.length, 2);
  t.like(
    backends[1].orders.find((order) => order.t === 'load'),
    { config: { n: 2 } },
  );
  t.deepEqual(supervisor.settings, settings);
});

test('settings whose new worker fails to load are not kept: the old worker serves on under the old ones', async (t) => {
  const { supervisor, backends, next, call } = rig(t);
  await supervisor.load();
  const before = supervisor.settings;
  const settings = { ...before, config: { n: 3 } };
  next((backend) => (backend.script.load = { fail: 'setup threw' }));
  await t.throwsAsync(supervisor.reload({ settings }), { message: 'plugin p failed to load: setup threw' });
  t.deepEqual(supervisor.settings, before);
  t.is(supervisor.state, 'ready');
  const pending = call();
  answer(backends[0], '1');
  t.deepEqual(await pending, new RawJson('1'));
  // They still differ from what runs, so the next reload tries them again.
  t.deepEqual(await supervisor.reload({ settings }), { name: 'p', changed: true });
  t.deepEqual(supervisor.settings.config, { n: 3 });
});

test('onCall: a plugin never loaded loads once to learn its methods, then idles; the cache spares the next load a worker', async (t) => {
  const { supervisor, registry, backends } = rig(t, {}, { activation: 'onCall' });
  await supervisor.load();
  t.is(supervisor.state, 'idle');
  t.like(supervisor.status(), { state: 'idle', activation: 'onCall', methods: ['p.echo'] });
  t.true(registry.has('p.echo'));
  t.deepEqual(
    backends[0].orders.map((order) => order.t),
    ['load', 'resume', 'stop'],
  );
  const unchanged = await supervisor.reload();
  t.false(unchanged.changed);
  await supervisor.reload({ force: true });
  t.is(backends.length, 1, 'the cached methods listed it without a worker');
  t.is(supervisor.state, 'idle');
});

test('onCall: the first call starts it with its kept state and is answered; after idleStopMs it idles again holding its snapshot', async (t) => {
  const { supervisor, backends, next, call } = rig(t, {}, { activation: 'onCall', idleStopMs: 50 });
  next((backend) => {
    backend.script.load = { value: STATEFUL };
    backend.script.snapshot = { value: 'kept' };
  });
  next((backend) => {
    backend.script.load = { value: STATEFUL };
    backend.script.snapshot = { value: 'after first' };
  });
  next((backend) => (backend.script.load = { value: STATEFUL }));
  await supervisor.load({ value: 'kept' });
  t.is(supervisor.state, 'idle');
  t.is(backends.length, 1);
  const first = call('hello');
  await until(
    async () => backends.length === 2 && backends[1].calls().length,
    (count) => count === 1,
  );
  t.like(
    backends[1].orders.find((order) => order.t === 'restore'),
    { state: 'kept' },
  );
  t.is(supervisor.state, 'ready');
  answer(backends[1], '"hello"');
  t.deepEqual(await first, new RawJson('"hello"'));
  await until(
    async () => supervisor.state,
    (state) => state === 'idle',
  );
  t.true(backends[1].orders.some((order) => order.t === 'stop'));
  const second = call('again');
  await until(
    async () => backends.length === 3 && backends[2].calls().length,
    (count) => count === 1,
  );
  t.like(
    backends[2].orders.find((order) => order.t === 'restore'),
    { state: 'after first' },
  );
  answer(backends[2], '"again"');
  t.deepEqual(await second, new RawJson('"again"'));
});

test('onCall: a plugin that taps hooks runs eagerly whatever it asks', async (t) => {
  const { supervisor, next } = rig(t, {}, { activation: 'onCall' });
  next(
    (backend) =>
      (backend.script.load = {
        value: { methods: [{ name: 'echo' }], signals: [], hooks: ['pluginLoaded'], snapshot: false },
      }),
  );
  await supervisor.load();
  t.is(supervisor.state, 'ready');
  t.is(supervisor.status().activation, 'eager');
});

test('onCall: a reload of an idle plugin with a new build learns its methods without serving it; a broken one leaves it idle', async (t) => {
  const { supervisor, backends, next, registry, entry } = rig(t, {}, { activation: 'onCall' });
  await supervisor.load();
  writeFileSync(entry, 'export default { setup() {}, edition: 2 };\n');
  next(
    (backend) =>
      (backend.script.load = {
        value: { methods: [{ name: 'echo' }, { name: 'more' }], signals: [], hooks: [], snapshot: false },
      }),
  );
  t.true((await supervisor.reload()).changed);
  t.is(supervisor.state, 'idle');
  t.true(registry.has('p.more'));
  t.is(backends.length, 2);
  writeFileSync(entry, 'export default { setup() {}, edition: 3 };\n');
  next((backend) => (backend.script.load = { fail: 'setup threw' }));
  const error = await t.throwsAsync<any>(supervisor.reload());
  t.like(error.data, { plugin: 'p', phase: 'load' });
  t.is(supervisor.state, 'idle');
  t.true(registry.has('p.more'), 'the last good version stays listed');
});
