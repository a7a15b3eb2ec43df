// The entry of every plugin worker. It boots without a plugin (so the core can
// keep one booted as a spare), then on `load` imports the plugin's module,
// runs its `setup`, reports what it declared, and serves calls from the
// channel and control orders from the parent port until told to stop.

import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { getHeapStatistics } from 'node:v8';
import { attachChannel } from '../core/channel/open.js';
import type { ChannelSpec } from '../core/channel/transport.js';
import type {
  ControlReport,
  ControlRequest,
  CoreToWorker,
  ForwardedHook,
  WorkerToCore,
} from '../core/channel/protocol.js';
import { HealthCell } from '../core/channel/protocol.js';
import type { BridgedSignal } from '../core/signals.js';
import { definitionFromModule, PluginInstance, type CallOutcome, type PluginModule } from './instance.js';

export interface WorkerBootData {
  channel: ChannelSpec;
  /** The buffer of an Int32Array of HEALTH_CELLS cells (see HealthCell). */
  health: SharedArrayBuffer;
  heartbeatIntervalMs: number;
  logLevel: string;
}

const boot = workerData as WorkerBootData;
const port = parentPort!;
const report = (message: ControlReport) => port.postMessage(message);

// The heartbeat proves the event loop turns; the other health cells publish
// the heap and loop counts so the core can show them without asking.
const health = new Int32Array(boot.health);
Atomics.store(health, HealthCell.HEAP_LIMIT_KIB, Math.round(getHeapStatistics().heap_size_limit / 1024));
setInterval(() => {
  Atomics.add(health, HealthCell.BEAT, 1);
  Atomics.store(health, HealthCell.HEAP_USED_KIB, Math.round(getHeapStatistics().used_heap_size / 1024));
}, boot.heartbeatIntervalMs).unref();
const loopCounters = {
  iteration(failed: boolean) {
    Atomics.add(health, HealthCell.LOOP_ITERATIONS, 1);
    if (failed) Atomics.add(health, HealthCell.LOOP_ERRORS, 1);
  },
};

const channel = attachChannel<CoreToWorker, WorkerToCore>(boot.channel);

async function load(plugin: Extract<ControlRequest, { t: 'load' }>): Promise<PluginInstance> {
  const log = pino(
    { level: boot.logLevel, base: { pid: process.pid, plugin: plugin.name } },
    { write: (line: string) => report({ t: 'log', line }) },
  );
  const module = (await import(plugin.entryUrl)) as PluginModule;
  const instance = new PluginInstance(definitionFromModule(module, plugin.entryUrl), {
    name: plugin.name,
    config: plugin.config,
    log,
    loopCounters,
  });
  await instance.setup();
  return instance;
}

/** Loads the plugin, then reports what it declared (or why it failed). */
function start(plugin: Extract<ControlRequest, { t: 'load' }>): Promise<PluginInstance> {
  const loaded = load(plugin);
  loaded.then(
    (instance) => {
      serve(instance);
      report({
        t: 'ready',
        methods: instance.methodSpecs(),
        signals: [...instance.signalListeners.keys()],
        hooks: [...instance.hooks.keys()] as ForwardedHook[],
        snapshot: typeof instance.definition.snapshot === 'function',
      });
    },
    (error: unknown) => report({ t: 'setupFailed', message: messageOf(error) }),
  );
  return loaded;
}

function serve(instance: PluginInstance): void {
  channel.onMessage((message) => {
    switch (message.t) {
      case 'call':
        instance.call(message.method, message.params).then((outcome) => channel.send(answer(message.id, outcome)));
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

/** The answer to call `id`, as the channel carries it. */
function answer(id: number, outcome: CallOutcome): WorkerToCore {
  return outcome.ok ? { t: 'result', id, json: outcome.json } : { t: 'error', id, error: outcome.error };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Control orders. Listening from the start also keeps the worker alive, as a spare and while `setup` awaits. */
function obey(): void {
  let loaded: Promise<PluginInstance> | undefined;
  port.on('message', async (request: ControlRequest) => {
    if (request.t === 'load') {
      loaded = start(request);
      return;
    }
    const instance = await loaded?.catch(() => undefined);
    if (!instance) return; // Not loaded, or setup failed: the core is terminating this worker.
    switch (request.t) {
      case 'pause':
        await instance.pause();
        report({ t: 'paused' });
        break;
      case 'resume':
        await instance.resume();
        report({ t: 'resumed' });
        break;
      case 'snapshot':
        try {
          report({ t: 'snapshot', state: await instance.definition.snapshot?.() });
        } catch (error) {
          report({ t: 'snapshotFailed', message: messageOf(error) });
        }
        break;
      case 'restore':
        try {
          await instance.definition.restore?.(request.state);
          report({ t: 'restored' });
        } catch (error) {
          report({ t: 'restoreFailed', message: messageOf(error) });
        }
        break;
      case 'stop': {
        const errors = await instance.shutdown();
        channel.close();
        report({ t: 'stopped', errors });
        port.close();
        break;
      }
    }
  });
}

obey();
