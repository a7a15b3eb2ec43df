// The entry of every plugin process: it connects the worker runtime
// (worker-runtime.ts) to its IPC channel and to the call channel the core
// prepared for it (core/channel/process-channel.ts). A process cannot share
// health cells with the daemon, so it keeps them here and reports them every
// heartbeat; a blocked event loop reports nothing, which the watchdog sees as
// a heartbeat missed. It ends when the daemon does: its IPC channel closes.
// The IPC channel is plugd's own (json-lines-endpoint.ts) on fd 3: Node's is
// not set up, so `process.send` does not exist in a plugin process.

import { Socket } from 'node:net';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { jsonLinesEndpoint } from '../channel/json-lines-endpoint.js';
import { attachProcessChannel } from '../channel/process-channel.js';
import { MAX_MESSAGE_BYTES } from '../channel/ring.js';
import { decodeSnapshot, encodeSnapshot } from '../channel/snapshot-codec.js';
import type { ProcessChannelSpec } from '../channel/transport.js';
import {
  HEALTH_CELLS,
  type ControlOrder,
  type CoreToWorker,
  type ProcessBootData,
  type ProcessEnvelope,
  type WorkerReport,
  type WorkerToCore,
} from '../channel/protocol.js';
import { endWithDaemon } from './end-with-daemon.js';
import { guardProcess } from './process-guard.js';
import { runWorker } from './worker-runtime.js';

const boot = JSON.parse(process.argv[2]) as ProcessBootData;
const health = new SharedArrayBuffer(HEALTH_CELLS * Int32Array.BYTES_PER_ELEMENT);
const ignoreSendError = () => undefined;
/** The core's IPC socket (process-backend.ts spawns the child with it after stdin, stdout, stderr). */
const IPC_FD = 3;
const ipc = jsonLinesEndpoint(new Socket({ fd: IPC_FD, readable: true, writable: true }), 2 * MAX_MESSAGE_BYTES);
/** Ids of snapshot orders being answered: their value goes back encoded (snapshot-codec.ts). */
const snapshots = new Set<number>();

function tell(envelope: ProcessEnvelope, sent: (error: Error | null) => void = ignoreSendError): void {
  if (ipc.connected) ipc.send(envelope, sent);
  else sent(null);
}

// Orphaned by the daemon's death (however it died): end with it, even with a blocked event loop.
ipc.on('disconnect', () => process.exit(0));
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
  channel: attachProcessChannel<CoreToWorker, WorkerToCore>(boot.channel as ProcessChannelSpec, ipc),
  onOrder: (listener) =>
    ipc.on('message', (envelope) => {
      const order = (envelope as Partial<{ plugdControl: ControlOrder }>).plugdControl;
      if (order?.t === 'snapshot') snapshots.add(order.id);
      if (order?.t === 'restore') listener({ ...order, state: decodeSnapshot(order.state as string) });
      else if (order) listener(order);
    }),
  report: (report) => tell({ plugdReport: encodeReport(report) }),
  // The core ends this process once `stop` has answered.
  close: () => undefined,
});

/** A snapshot's value is encoded (a Map or a Date survives); one V8 cannot serialize fails the snapshot. */
function encodeReport(report: WorkerReport): WorkerReport {
  if (!('id' in report) || !snapshots.delete(report.id) || !report.ok) return report;
  try {
    return { ...report, value: encodeSnapshot(report.value) };
  } catch (error) {
    return { id: report.id, ok: false, message: `the snapshot cannot be serialized: ${(error as Error).message}` };
  }
}

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
