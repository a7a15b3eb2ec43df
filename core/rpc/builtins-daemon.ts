// `daemon.*`: the daemon's status, figures, stop and reload.

import { NoParams, type AddBuiltin } from './builtin-method.js';
import { Type } from '@sinclair/typebox';
import { DaemonReloadSummarySchema, type DaemonReloadSummary } from '../contract/plugin-status.js';
import type { PluginControl } from './plugin-control.js';
import { DaemonMetricsSchema, DaemonStatusSchema, type DaemonMetrics, type DaemonStatus } from '../contract/daemon.js';
import { StoppingSchema } from '../contract/answers.js';

/** What the built-in methods need of the daemon. */
export interface DaemonControl {
  readonly version: string;
  readonly host: PluginControl;
  /** The folders `plugins.load` may load from. */
  readonly loadRoots: string[];
  status(): DaemonStatus;
  /** Counters and latency percentiles per method and per plugin (`daemon.metrics`). */
  metrics(): DaemonMetrics;
  /** Starts a graceful stop after the current answer is sent. */
  requestStop(reason: string): void;
  /** What SIGHUP does: reopen the log, re-read plugd.json, rescan the plugin folder, reload what changed. */
  reload(source: 'signal' | 'rpc', force?: boolean): Promise<DaemonReloadSummary>;
}

export function registerDaemonMethods(add: AddBuiltin, daemon: DaemonControl): void {
  add('daemon.status', { description: 'Pid, uptime, version, home, socket, plugin count and memory of the daemon.', params: NoParams, result: DaemonStatusSchema }, () =>
    daemon.status(),
  );
  add('daemon.stop', { description: 'Stops the daemon gracefully (in-flight calls are answered first).', params: NoParams, result: StoppingSchema }, () => {
    daemon.requestStop('daemon.stop');
    return { stopping: true };
  });
  add(
    'daemon.metrics',
    { description: 'Calls, errors by code, in flight and latency percentiles per method and per plugin; restarts; daemon RSS and event-loop delay.', params: NoParams, result: DaemonMetricsSchema },
    () => daemon.metrics(),
  );
  add(
    'daemon.reload',
    {
      description:
        'As SIGHUP: reopens the log, re-reads plugd.json (applying what can change in place and naming what needs a restart; an invalid file changes nothing and is the error), rescans the plugin folder and reloads each plugin whose code or settings changed.',
      params: Type.Object({ force: Type.Optional(Type.Boolean({ description: 'Reload every plugin, changed or not' })) }, { additionalProperties: false }),
      positional: ['force'],
      result: DaemonReloadSummarySchema,
    },
    ({ force }: { force?: boolean }) => daemon.reload('rpc', force ?? false),
  );
}
