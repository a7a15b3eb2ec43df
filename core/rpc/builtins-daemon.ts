// `daemon.*`: the daemon's status, figures, stop, reload and upgrade.

import { Type, type Static } from '@sinclair/typebox';
import { NoParams, type AddBuiltin } from './builtin-method.js';
import { DaemonReloadSummarySchema, type DaemonReloadSummary } from '../contract/plugin-status.js';
import type { PluginControl } from './plugin-control.js';
import { DaemonMetricsSchema, DaemonStatusSchema, type DaemonMetrics, type DaemonStatus } from '../contract/daemon.js';
import { StoppingSchema } from '../contract/answers.js';

export const UpgradeParams = Type.Object(
  {
    node: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'The node binary the successor runs on (default: the one running now)',
      }),
    ),
    entry: Type.Optional(
      Type.String({ minLength: 1, description: "The plugd CLI script the successor runs (default: this install's)" }),
    ),
  },
  { additionalProperties: false },
);
export type UpgradeRequest = Static<typeof UpgradeParams>;

export const UpgradeResult = Type.Object({
  pid: Type.Integer({ description: 'The successor, serving now' }),
  from: Type.Object({ pid: Type.Integer(), version: Type.String() }),
  version: Type.String({ description: "The successor's plugd version" }),
  plugins: Type.Integer({ description: 'Plugins ready in the successor' }),
  stateCarried: Type.Integer({ description: 'Stateful plugins whose state the successor took' }),
  phases: Type.Array(
    Type.Object({ ms: Type.Number({ description: 'Since the upgrade began' }), phase: Type.String() }),
  ),
  ms: Type.Number({ description: 'From the request to the successor serving' }),
});
export type UpgradeOutcome = Static<typeof UpgradeResult>;

/** What the built-in methods need of the daemon. */
export interface DaemonControl {
  readonly version: string;
  readonly host: PluginControl;
  /** The folders `plugins.load` may load from. */
  loadRoots(): string[];
  status(): DaemonStatus;
  /** Counters and latency percentiles per method and per plugin (`daemon.metrics`). */
  metrics(): DaemonMetrics;
  /** Starts a graceful stop after the current answer is sent. */
  requestStop(reason: string): void;
  /** What SIGHUP does: reopen the log, re-read plugd.json, rescan the plugin folder, reload what changed. */
  reload(source: 'signal' | 'rpc', force?: boolean): Promise<DaemonReloadSummary>;
  /** `plugd upgrade`: a successor takes the sockets; this daemon then drains and exits. */
  upgrade(request: UpgradeRequest): Promise<UpgradeOutcome>;
}

export function registerDaemonMethods(add: AddBuiltin, daemon: DaemonControl): void {
  add(
    'daemon.status',
    {
      description: 'Pid, uptime, version, home, socket, plugin count and memory of the daemon.',
      params: NoParams,
      result: DaemonStatusSchema,
    },
    () => daemon.status(),
  );
  add(
    'daemon.stop',
    {
      description: 'Stops the daemon gracefully (in-flight calls are answered first).',
      params: NoParams,
      result: StoppingSchema,
    },
    () => {
      daemon.requestStop('daemon.stop');
      return { stopping: true };
    },
  );
  add(
    'daemon.metrics',
    {
      description:
        'Calls, errors by code, in flight and latency percentiles per method and per plugin; restarts; daemon RSS and event-loop delay.',
      params: NoParams,
      result: DaemonMetricsSchema,
    },
    () => daemon.metrics(),
  );
  add(
    'daemon.reload',
    {
      description:
        'As SIGHUP: reopens the log, re-reads plugd.json (applying what can change in place and naming what needs a restart; an invalid file changes nothing and is the error), rescans the plugin folder and reloads each plugin whose code or settings changed.',
      params: Type.Object(
        { force: Type.Optional(Type.Boolean({ description: 'Reload every plugin, changed or not' })) },
        { additionalProperties: false },
      ),
      positional: ['force'],
      result: DaemonReloadSummarySchema,
    },
    ({ force }: { force?: boolean }) => daemon.reload('rpc', force ?? false),
  );
  add(
    'daemon.upgrade',
    {
      description:
        'Starts a successor daemon on the same listening sockets; once it serves (every plugin loaded, stateful ones restored), this one drains and exits. If the successor fails, this one serves on and the call answers the reason.',
      params: UpgradeParams,
      result: UpgradeResult,
    },
    (request: UpgradeRequest) => daemon.upgrade(request),
  );
}
