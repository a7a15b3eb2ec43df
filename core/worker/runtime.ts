// The entry of every plugin worker thread: it connects the worker runtime
// (worker-runtime.ts) to the thread's parentPort and to the channel the core
// opened for it.

import { parentPort, workerData } from 'node:worker_threads';
import { attachChannel } from '../channel/open.js';
import type { ChannelSpec } from '../channel/transport.js';
import type { ControlOrder, CoreToWorker, WorkerBootData, WorkerToCore } from '../channel/protocol.js';
import { runWorker } from './worker-runtime.js';

const boot = workerData as WorkerBootData;
const port = parentPort!;

runWorker({
  boot,
  channel: attachChannel<CoreToWorker, WorkerToCore>(boot.channel as ChannelSpec),
  onOrder: (listener) => port.on('message', (order: ControlOrder) => listener(order)),
  report: (report) => port.postMessage(report),
  close: () => port.close(),
});
