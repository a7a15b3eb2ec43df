// The entry of every plugin process: it connects the worker runtime
// (worker-runtime.ts) to its IPC channel and to the call channel the core
// prepared for it (core/channel/process-channel.ts). A process cannot share
// health cells with the daemon, so it keeps them here and reports them every
// heartbeat; a blocked event loop reports nothing, which the watchdog sees as
// a heartbeat missed. It ends when the daemon does: its IPC channel closes.

import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { attachProcessChannel } from '../core/channel/process-channel.js';
import type { ProcessChannelSpec } from '../core/channel/transport.js';
import {
  HEALTH_CELLS,
  type ControlOrder,
  type CoreToWorker,
  type ProcessBootData,
  type ProcessEnvelope,
  type WorkerToCore,
} from '../core/channel/protocol.js';
import { endWithDaemon } from './end-with-daemon.js';
import { guardProcess } from './process-guard.js';
import { runWorker } from './worker-runtime.js';

const boot = JSON.parse(process.argv[2]) as ProcessBootData;
const health = new SharedArrayBuffer(HEALTH_CELLS * Int32Array.BYTES_PER_ELEMENT);
const ignoreSendError = () => undefined;

function tell(envelope: ProcessEnvelope, sent: (error: Error | null) => void = ignoreSendError): void {
  if (process.connected) process.send!(envelope, sent);
  else sent(null);
}

// Orphaned by the daemon's death (however it died): end with it, even with a blocked event loop.
process.on('disconnect', () => process.exit(0));
endWithDaemon(boot.daemonPid);
guardProcess();

// Said before dying, so the core's log says what a thread's 'error' event would.
process.on('uncaughtException', (error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  tell({ plugdFatal: `uncaught ${error.name}: ${error.message}` }, () => process.exit(1));
});

reportHealth(new Int32Array(health), boot.heartbeatIntervalMs);

runWorker({
  boot: { ...boot, health },
  channel: attachProcessChannel<CoreToWorker, WorkerToCore>(boot.channel as ProcessChannelSpec),
  onOrder: (listener) =>
    process.on('message', (envelope: Partial<{ plugdControl: ControlOrder }>) => {
      if (envelope.plugdControl) listener(envelope.plugdControl);
    }),
  report: (report) => tell({ plugdReport: report }),
  // The core ends this process once `stop` has answered.
  close: () => undefined,
});

/** The cells the runtime publishes, and the event-loop use since the last report, sent every heartbeat. */
function reportHealth(cells: Int32Array, intervalMs: number): void {
  let mark: EventLoopUtilization = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, mark).utilization;
    mark = now;
    tell({ plugdHealth: { cells: [...cells], elu } });
  }, intervalMs).unref();
}
