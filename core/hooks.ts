// Every extension point of the core, created in one place. The core's own
// features (built-in methods, log reopening, plugin forwarding) tap these too.

import { AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap, SyncHook } from 'tapable';
import type { PluginEvent, ReloadRequest, WireError } from './channel/protocol.js';

export type { PluginEvent, ReloadRequest } from './channel/protocol.js';

/** A call on its way into a method; `beforeCall` taps may rewrite `params`. */
export interface CallInfo {
  method: string;
  params: unknown;
  /** The plugin that serves the method, if a plugin does. */
  plugin?: string;
}

export interface CallOutcome {
  durationMs: number;
  error?: WireError;
}

export interface PluginCrash extends PluginEvent {
  reason: string;
  restarts: number;
  /** `backoff` (restarting) or `failed` (crash-loop cap reached). */
  next: 'backoff' | 'failed';
}

export function createHooks() {
  return {
    start: new AsyncSeriesHook<[]>(),
    ready: new AsyncSeriesHook<[]>(),
    signal: new HookMap((_signal: string) => new SyncHook<[string]>(['signal'])),
    pluginLoaded: new SyncHook<[PluginEvent]>(['plugin']),
    pluginUnloaded: new SyncHook<[PluginEvent]>(['plugin']),
    pluginCrashed: new SyncHook<[PluginCrash]>(['crash']),
    beforeCall: new AsyncSeriesWaterfallHook<[CallInfo]>(['call']),
    afterCall: new SyncHook<[CallInfo, CallOutcome]>(['call', 'outcome']),
    reload: new AsyncSeriesHook<[ReloadRequest]>(['request']),
    shutdown: new AsyncSeriesHook<[]>(),
  };
}

export type CoreHooks = ReturnType<typeof createHooks>;
