// The API a plugin is written against: the context its `setup` receives and
// what it defines. The worker runs plugins by these types (instance.ts), and
// `plugd/sdk` (sdk/index.ts) exports them to plugin authors: they live here,
// below both, so core never imports the SDK.

import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { ForwardedHook, ForwardedHookArgs, JsonSchema } from '../channel/protocol.js';
import type { BridgedSignal } from '../signals.js';
import type { LoopOptions } from './loop.js';

/** The params a handler receives: typed from a TypeBox schema, `any` from a plain JSON Schema. */
export type ParamsOf<S> = S extends TSchema ? Static<S> : any;

export interface MethodOptions<S extends TSchema | JsonSchema | undefined> {
  description?: string;
  /** JSON Schema the params are checked against before the handler runs (`-32602` otherwise). */
  params?: S;
  result?: JsonSchema;
  /** Deadline for one call, overriding `supervision.callTimeoutMs`. */
  timeoutMs?: number;
}

/** What a handler learns about the call it serves. */
export interface CallMeta {
  /** The full method name, `<plugin>.<name>`. */
  method: string;
  plugin: string;
}

/** A plugin's method, run in its worker (the daemon's own are core's `DaemonMethodHandler`). */
export type MethodHandler<S> = (params: ParamsOf<S>, call: CallMeta) => unknown;

/** A hook a plugin may tap; its events arrive in the plugin's worker. */
export interface ForwardedHookTap<Args extends unknown[]> {
  tap(name: string, fn: (...args: Args) => void): void;
}

/** The hooks a plugin may tap: those of FORWARDED_HOOKS, with the arguments each passes. */
export type PluginHooks = { [H in ForwardedHook]: ForwardedHookTap<ForwardedHookArgs[H]> };

export interface PluginContext<Config = Record<string, unknown>> {
  /** The plugin's name, which prefixes its methods. */
  readonly name: string;
  /** `plugins.<name>.config` from `plugd.json`; `{}` when nothing is configured. */
  readonly config: Config;
  /**
   * The plugin's folder (for a single-file plugin, the folder holding the
   * file): read files shipped with the plugin from here, not from
   * `process.cwd()`, which is the daemon's in a worker thread.
   */
  readonly dir: string;
  /** A pino logger tagged with the plugin's name, written to the daemon's log. */
  readonly log: Logger;
  readonly rpc: {
    method<S extends TSchema | JsonSchema | undefined = undefined>(
      name: string,
      options: MethodOptions<S>,
      handler: MethodHandler<S>,
    ): void;
  };
  readonly signals: {
    /** Runs `listener` in this worker when the daemon receives `signal`. */
    on(signal: BridgedSignal, listener: (signal: BridgedSignal) => void): void;
  };
  readonly hooks: PluginHooks;
  /**
   * Runs `fn` every `intervalMs` once setup is done (never two at once);
   * `onStart` before the first run, `onStop` when the plugin stops. A throw is
   * logged and counted; the loop goes on. `plugins.pause` suspends loops.
   */
  loop(fn: () => unknown, options: LoopOptions): void;
  /** Runs when the plugin stops (daemon stop, unload, or the old side of a reload). */
  onShutdown(fn: () => unknown): void;
}

export interface PluginDefinition<Config = Record<string, unknown>, State = unknown> {
  /** For readers of the code: the daemon names a plugin after its package name or file stem. */
  name?: string;
  setup(ctx: PluginContext<Config>): void | Promise<void>;
  /** Runs in the old worker during a reload; its result crosses as structured-clone data. */
  snapshot?(): State | Promise<State>;
  /** Runs in the new worker before it serves, with what `snapshot` returned. */
  restore?(state: State): void | Promise<void>;
}
