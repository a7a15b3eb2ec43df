// What a supervisor runs with and hands over: its environment (the host's
// services and the plugin's settings from `plugd.json`), a reload's outcome,
// and the snapshot carried from one worker to the next (supervisor.ts).

import type { Activation, Supervision } from '../config/config.js';
import type { CoreHooks } from '../hooks.js';
import type { MethodRegistry } from '../rpc/registry.js';
import type { Logger } from 'pino';
import type { LearningSlots } from './learning-slots.js';
import type { SchemaCaps } from './schema-caps.js';
import type { PluginWorker } from './plugin-worker.js';
import type { WorkerSlot } from './worker-backend.js';

export interface SupervisorEnvironment {
  registry: MethodRegistry;
  hooks: CoreHooks;
  logger: Logger;
  /** A booted worker for `slot` (a spare if one waits). */
  boot(slot: WorkerSlot): PluginWorker;
  /** How this plugin's workers are booted. */
  slot: WorkerSlot;
  supervision: Supervision;
  /** Calls in flight to one plugin beyond which new ones are refused (-32005). */
  maxInFlight: number;
  /** What its manifest may declare (schema-caps.ts). */
  schemaCaps: SchemaCaps;
  config: unknown;
  /** Where builds are kept: `cache/builds` in the daemon's home. */
  buildCache: string;
  /** What the config or manifest asks: `onCall` starts the worker at the first call. */
  activation: Activation;
  /** An onCall plugin's worker stops after this long without a call. */
  idleStopMs: number;
  /** Where an onCall plugin the cache does not know waits its turn to load once (shared by the host's plugins). */
  learning: LearningSlots;
}

/** What a plugin runs with from `plugd.json`: a reload given other settings replaces the worker even if the code is unchanged. */
export type PluginSettings = Pick<
  SupervisorEnvironment,
  'slot' | 'supervision' | 'maxInFlight' | 'schemaCaps' | 'config'
>;

export interface ReloadOutcome {
  name: string;
  changed: boolean;
}

/** A snapshot that crosses from one worker to the next, or from a stopped daemon to a new one. */
export interface CarriedState {
  value: unknown;
}

/** A stateful plugin held still for a hand-over: its snapshot, taken with no call in flight and none admitted since. */
export interface FrozenPlugin extends CarriedState {
  /** Opens the gate: the calls that waited go on to the worker that serves (the same one, unless replaced meanwhile). */
  release(): void;
}

/** Whether two sets of settings are the same (a reload under the same ones keeps an unchanged worker). */
export function sameSettings(a: PluginSettings, b: PluginSettings): boolean {
  const key = ({ slot, supervision, maxInFlight, schemaCaps, config }: PluginSettings) =>
    JSON.stringify([slot, supervision, maxInFlight, schemaCaps, config]);
  return key(a) === key(b);
}
