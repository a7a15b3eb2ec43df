// The view of one plugin that `plugins.list`, `plugins.status`, `plugd status`
// and `plugd top` show: its state and history, and the serving worker's figures.

import { qualifiedMethodName } from '../channel/protocol.js';
import type { Activation } from '../config/config.js';
import { type PluginState, type PluginStatus } from '../contract/plugin-status.js';
import type { PluginSource } from './discovery.js';
import type { PluginWorker } from './plugin-worker.js';
import type { WorkerSlot } from './worker-backend.js';

/** What the supervisor remembers of a plugin's life. */
export interface PluginHistory {
  state: PluginState;
  paused: boolean;
  restarts: number;
  reloads: number;
  /** Calls served by workers that are gone. */
  servedBefore: number;
  lastError?: { message: string; at: number };
  nextRestartAt?: number;
  readySince?: number;
}

const isoDate = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());

/** How the plugin runs when no worker is alive to say. */
export type PluginRunsIn = Pick<WorkerSlot, 'isolation' | 'channel' | 'sharedWorker'>;

export function pluginStatus(
  source: PluginSource,
  history: PluginHistory,
  worker: PluginWorker | undefined,
  runsIn: PluginRunsIn,
  activation: Activation,
  /** What the serving version (or, idle, the last one) declared. */
  manifest = worker?.manifest,
): PluginStatus {
  const live = worker?.alive ? worker : undefined;
  const isolation = live?.isolation ?? runsIn.isolation;
  return {
    name: source.name,
    version: source.version,
    state: history.state,
    activation,
    path: source.path,
    entry: source.entry,
    methods: (manifest?.methods ?? []).map((method) => qualifiedMethodName(source.name, method.name)),
    isolation,
    channel: live?.channelKind ?? runsIn.channel,
    sharedWorker: runsIn.sharedWorker,
    threadId: isolation === 'thread' ? live?.id : undefined,
    pid: isolation === 'process' ? live?.id : undefined,
    served: history.servedBefore + (worker?.served ?? 0),
    inFlight: worker?.inFlight ?? 0,
    restarts: history.restarts,
    reloads: history.reloads,
    lastError: history.lastError?.message,
    lastErrorAt: isoDate(history.lastError?.at),
    nextRestartAt: isoDate(history.nextRestartAt),
    readySince: isoDate(history.readySince),
    paused: history.paused,
    loops: live?.loops,
    heap: live?.heap,
    eventLoopUtilization: live?.eventLoopUtilization,
  };
}
