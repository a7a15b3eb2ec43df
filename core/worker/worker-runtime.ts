// The plugin side of a worker, whatever kind of worker it is: it boots without
// a plugin (so the core can keep one booted as a spare), then on `load`
// imports the plugin's module, runs its `setup`, replies with what it
// declared, and serves calls from the channel and control orders from the
// control port until told to stop. The entry of each kind of worker (runtime.ts
// for threads) only connects the ports. A shared worker (boot `shared`) holds
// several plugins, each loaded by its own `load` and served by its own
// instance: the member a call or an order is for is told by its id
// (SHARED_MEMBER_SLOTS in the protocol), a signal's or hook's by its `member`.

import { getHeapStatistics } from 'node:v8';
import type { Transport } from '../channel/transport.js';
import {
  HealthCell,
  SHARED_MEMBER_SLOTS,
  type ControlOrder,
  type ControlOrders,
  type CoreToWorker,
  type WorkerBootData,
  type WorkerManifest,
  type WorkerReport,
  type WorkerToCore,
} from '../channel/protocol.js';
import type { BridgedSignal } from '../signals.js';
import { ErrorCode } from '../rpc/errors.js';
import { definitionFromModule, PluginInstance, type CallOutcome, type PluginModule } from './instance.js';
import { loadPino, loadTapable } from './lazy-packages.js';

/** How a worker's entry connects the runtime to the core. */
export interface WorkerPorts {
  boot: WorkerBootData;
  channel: Transport<CoreToWorker, WorkerToCore>;
  /** Sets the one listener for the core's orders; listening keeps the worker alive. */
  onOrder(listener: (order: ControlOrder) => void): void;
  report(report: WorkerReport): void;
  /** Closes the control port once the worker has stopped. */
  close(): void;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function runWorker(ports: WorkerPorts): void {
  const { boot, channel } = ports;
  const loopCounters = publishHealth(new Int32Array(boot.health), boot.heartbeatIntervalMs);
  if (boot.spare) {
    setImmediate(() => {
      loadPino();
      loadTapable();
    });
  }
  const shared = boot.shared === true;
  /** Each plugin's instance as it loads, by member (a worker of its own has one, member 0). */
  const loaded = new Map<number, Promise<PluginInstance>>();
  /** A shared worker's members whose setup finished: its calls go to them. */
  const serving = new Map<number, PluginInstance>();
  if (shared) serveMembers(serving, channel);
  const memberOf = (id: number) => (shared ? id % SHARED_MEMBER_SLOTS : 0);

  async function load(order: Extract<ControlOrder, { t: 'load' }>, member: number): Promise<PluginInstance> {
    const log = () =>
      loadPino()(
        { level: boot.logLevel, base: { pid: process.pid, plugin: order.name } },
        { write: (line: string) => ports.report(shared ? { t: 'log', line, member } : { t: 'log', line }) },
      );
    const module = (await import(order.entryUrl)) as PluginModule;
    const instance = new PluginInstance(definitionFromModule(module, order.entryUrl), {
      name: order.name,
      config: order.config,
      dir: order.dir,
      log,
      loopCounters,
    });
    await instance.setup();
    if (shared) serving.set(member, instance);
    else serve(instance, channel);
    return instance;
  }

  /** What each order does once the plugin is loaded; its value is the reply's. */
  const handlers: {
    [P in Exclude<keyof ControlOrders, 'load'>]: (
      instance: PluginInstance,
      order: Extract<ControlOrder, { t: P }>,
    ) => Promise<ControlOrders[P]['reply']>;
  } = {
    pause: (instance) => instance.pause(),
    resume: (instance) => instance.resume(),
    snapshot: async (instance) => instance.definition.snapshot?.(),
    restore: async (instance, order) => void (await instance.definition.restore?.(order.state)),
    stop: async (instance) => {
      const errors = await instance.shutdown();
      // The other members of a shared worker serve on.
      if (!shared) channel.close();
      return errors;
    },
  };

  async function obey(order: ControlOrder): Promise<void> {
    const reply = (run: () => Promise<unknown>) =>
      run().then(
        (value) => ports.report({ id: order.id, ok: true, value }),
        (error: unknown) => ports.report({ id: order.id, ok: false, message: messageOf(error) }),
      );
    const member = memberOf(order.id);
    if (order.t === 'load') {
      const loading = load(order, member);
      loaded.set(member, loading);
      await reply(async () => manifestOf(await loading));
      // A shared worker's member whose setup failed is dropped; the others serve on.
      if (shared) loading.catch(() => loaded.delete(member));
      return;
    }
    const instance = await loaded.get(member)?.catch(() => undefined);
    if (!instance) return; // Not loaded, or setup failed: the core is terminating this worker (or, shared, dropping it).
    await reply(() =>
      (handlers[order.t] as (instance: PluginInstance, order: ControlOrder) => Promise<unknown>)(instance, order),
    );
    if (order.t !== 'stop') return;
    if (!shared) return ports.close();
    loaded.delete(member);
    serving.delete(member);
  }

  // What escapes obey() (a report or close that throws) answers the order as failed;
  // the core drops an answer to an order it no longer waits for.
  ports.onOrder((order) => {
    obey(order).catch((error: unknown) => ports.report({ id: order.id, ok: false, message: messageOf(error) }));
  });
}

function manifestOf(instance: PluginInstance): WorkerManifest {
  return {
    methods: instance.methodSpecs(),
    signals: [...instance.signalListeners.keys()],
    hooks: [...instance.hooks.keys()],
    snapshot: typeof instance.definition.snapshot === 'function',
    loops: instance.loopCount,
  };
}

function serve(instance: PluginInstance, channel: WorkerPorts['channel']): void {
  channel.onMessage((message) => {
    switch (message.t) {
      case 'call':
        // call() never rejects (a handler's throw is an error outcome); a send that throws fails the worker loudly, as before.
        void instance.call(message.method, message.params).then((outcome) => channel.send(answer(message.id, outcome)));
        break;
      case 'signal':
        instance.signal(message.signal as BridgedSignal);
        break;
      case 'hook':
        instance.hook(message.hook, message.args);
        break;
    }
  });
}

/** A shared worker's channel: each message goes to the member it names (its id, or its `member`). */
function serveMembers(serving: ReadonlyMap<number, PluginInstance>, channel: WorkerPorts['channel']): void {
  channel.onMessage((message) => {
    const instance = serving.get(message.t === 'call' ? message.id % SHARED_MEMBER_SLOTS : (message.member ?? -1));
    switch (message.t) {
      case 'call':
        if (!instance) {
          const error = { code: ErrorCode.PLUGIN_UNAVAILABLE, message: 'plugin not loaded in this shared worker' };
          return channel.send({ t: 'error', id: message.id, error });
        }
        void instance.call(message.method, message.params).then((outcome) => channel.send(answer(message.id, outcome)));
        break;
      case 'signal':
        instance?.signal(message.signal as BridgedSignal);
        break;
      case 'hook':
        instance?.hook(message.hook, message.args);
        break;
    }
  });
}

/** The answer to call `id`, as the channel carries it. */
function answer(id: number, outcome: CallOutcome): WorkerToCore {
  return outcome.ok ? { t: 'result', id, json: outcome.json } : { t: 'error', id, error: outcome.error };
}

/**
 * The heartbeat proves the event loop turns; the other health cells publish
 * the heap and loop counts so the core can show them without asking.
 */
function publishHealth(health: Int32Array, heartbeatIntervalMs: number) {
  Atomics.store(health, HealthCell.HEAP_LIMIT_KIB, Math.round(getHeapStatistics().heap_size_limit / 1024));
  setInterval(() => {
    Atomics.add(health, HealthCell.BEAT, 1);
    Atomics.store(health, HealthCell.HEAP_USED_KIB, Math.round(getHeapStatistics().used_heap_size / 1024));
  }, heartbeatIntervalMs).unref();
  return {
    iteration(failed: boolean) {
      Atomics.add(health, HealthCell.LOOP_ITERATIONS, 1);
      if (failed) Atomics.add(health, HealthCell.LOOP_ERRORS, 1);
    },
  };
}
