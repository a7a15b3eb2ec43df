import type { DaemonLog } from '../observe/log.js';
import type { WorkerLogSink } from './plugin-worker.js';

/**
 * A worker's log, each plugin's lines held to its rate (DaemonLog.pluginWriter):
 * its `ctx.log` lines as they are, its console output as records naming the
 * plugin and the stream (stdout at info, stderr at warn), so plugd.log stays NDJSON.
 */
export function workerLogSink(log: DaemonLog): WorkerLogSink {
  return {
    line: (plugin, line) => log.pluginWriter(plugin)(line),
    output(plugin, stream, text, cut) {
      const level = stream === 'stdout' ? 30 : 40;
      const record = {
        level,
        time: Date.now(),
        pid: process.pid,
        plugin,
        stream,
        msg: text,
        ...(cut && { cut: true }),
      };
      log.pluginWriter(plugin)(JSON.stringify(record));
    },
  };
}
