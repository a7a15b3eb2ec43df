// A plugin worker as a worker thread of the daemon: the cheapest isolation (a
// heap and an event loop of its own), sharing the daemon's process. Its call
// channel is a SharedArrayBuffer ring (or the postMessage baseline), its
// control port the thread's parentPort.

import { Worker } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openChannel } from '../channel/open.js';
import type { ChannelKind, Transport } from '../channel/transport.js';
import {
  HEALTH_CELLS,
  type ControlOrder,
  type CoreToWorker,
  type WorkerBootData,
  type WorkerToCore,
} from '../channel/protocol.js';
import { built } from '../package-root.js';
import { giveChannelBuffer, takeChannelBuffer } from './channel-buffers.js';
import { bootSettings, type ThreadSlot, type WorkerBackend } from './worker-backend.js';

const RUNTIME_URL = pathToFileURL(built.runtime);

export class ThreadBackend implements WorkerBackend {
  readonly isolation = 'thread';
  readonly channelKind: ChannelKind;
  readonly channel: Transport<WorkerToCore, CoreToWorker>;
  readonly health = new Int32Array(new SharedArrayBuffer(HEALTH_CELLS * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  private eluMark: EventLoopUtilization | undefined;
  private exitListener: (reason: string) => void = () => undefined;
  private exitReason: string | undefined;
  private gone = false;

  constructor(slot: ThreadSlot, spare: boolean) {
    this.channelKind = slot.channel;
    const opened = openChannel<WorkerToCore, CoreToWorker>(this.channelKind, { allocate: takeChannelBuffer });
    this.channel = opened.local;
    const boot: WorkerBootData = {
      channel: opened.spec,
      health: this.health.buffer,
      ...bootSettings(slot, spare),
    };
    this.worker = new Worker(RUNTIME_URL, {
      workerData: boot,
      transferList: opened.transferList,
      resourceLimits: slot.resourceLimits,
      name: 'plugd:plugin',
      stdout: true,
      stderr: true,
    });
    // An 'error' (uncaught throw, out of memory) comes before its 'exit' and says more.
    this.worker.on('error', (error) => (this.exitReason ??= describeWorkerError(error)));
    this.worker.on('exit', (code) => {
      this.gone = true;
      if (opened.spec.kind === 'sab') giveChannelBuffer(opened.spec.buffer);
      this.exitListener(this.exitReason ?? `exited with code ${code}`);
    });
  }

  get id(): number {
    return this.worker.threadId;
  }

  get stdout() {
    return this.worker.stdout;
  }

  get stderr() {
    return this.worker.stderr;
  }

  post(order: ControlOrder): void {
    if (!this.gone) this.worker.postMessage(order);
  }

  /** Whatever the thread posts on its port (PluginWorker checks it). */
  onReport(listener: (report: unknown) => void): void {
    this.worker.on('message', listener);
  }

  /** A message the thread posted that cannot be deserialized is its violation. */
  onViolation(listener: (reason: string) => void): void {
    this.worker.on('messageerror', (error) => listener(`a message that does not deserialize: ${error.message}`));
  }

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  eventLoopUtilization(): number {
    const now = this.worker.performance.eventLoopUtilization();
    const since = this.eluMark;
    this.eluMark = now;
    return since ? this.worker.performance.eventLoopUtilization(now, since).utilization : 0;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

function describeWorkerError(error: Error): string {
  if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out of memory';
  return `uncaught ${error.name}: ${error.message}`;
}
