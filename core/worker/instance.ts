// One loaded plugin inside its worker (or inside the test harness): it runs
// `setup`, collects what the plugin declared, and serves calls, signals and
// hook events. The worker runtime and the harness share it, so a plugin
// behaves the same in both.

import type { SyncHook } from 'tapable';
import type { Logger } from 'pino';
import {
  FORWARDED_HOOKS,
  qualifiedMethodName,
  type ForwardedHook,
  type MethodSpec,
  type WireError,
} from '../channel/protocol.js';
import { ErrorCode, toWireError } from '../rpc/errors.js';
import type { BridgedSignal } from '../signals.js';
import type { CallMeta, MethodHandler, PluginContext, PluginDefinition, PluginHooks } from './plugin-api.js';
import { loadTapable } from './lazy-packages.js';
import { PluginLoop, type LoopCounters } from './loop.js';

export interface PluginInstanceOptions {
  name: string;
  config: unknown;
  /** The plugin's folder (`ctx.dir`). */
  dir: string;
  /** Makes `ctx.log`, at its first use: a plugin that never logs pays for no logger. */
  log: () => Logger;
  /** Told of every loop iteration (the worker publishes the counts to the core). */
  loopCounters?: LoopCounters;
}

/** What a plugin module may export: the definition (default) and, alternatively, snapshot/restore. */
export interface PluginModule {
  default?: unknown;
  snapshot?: () => unknown;
  restore?: (state: unknown) => unknown;
}

export function definitionFromModule(module: PluginModule, file: string): PluginDefinition {
  const definition = (module.default ?? module) as Partial<PluginDefinition>;
  if (!definition || typeof definition.setup !== 'function') {
    throw new Error(`${file} does not export a plugin: default-export definePlugin({ setup(ctx) { ... } })`);
  }
  return {
    ...definition,
    setup: definition.setup,
    snapshot: definition.snapshot ?? module.snapshot,
    restore: definition.restore ?? module.restore,
  } as PluginDefinition;
}

/** A call's outcome as it leaves the plugin: the result as JSON text (made once, here), or the error. */
export type CallOutcome = { ok: true; json: string } | { ok: false; error: WireError };

/** The JSON text of a result; undefined (or a function) answers null. */
function resultText(result: unknown): string {
  try {
    const text = JSON.stringify(result) ?? 'null';
    // JSON writes Infinity and NaN as null: look again, value by value, only when a null is there to explain.
    if (text.includes('null')) JSON.stringify(result, refuseNonFinite);
    return text;
  } catch (error) {
    throw new Error(`result cannot be sent as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function refuseNonFinite(key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new Error(`${key || 'the result'} is ${value}, which JSON cannot carry`);
  return value;
}

export class PluginInstance {
  readonly methods = new Map<string, { spec: MethodSpec; handler: MethodHandler<unknown> }>();
  readonly signalListeners = new Map<string, Array<(signal: BridgedSignal) => void>>();
  readonly hooks = new Map<ForwardedHook, SyncHook<unknown[]>>();
  private readonly shutdownHandlers: Array<() => unknown> = [];
  private readonly loops: PluginLoop[] = [];
  private setupDone = false;
  private logger: Logger | undefined;

  constructor(
    readonly definition: PluginDefinition,
    private readonly options: PluginInstanceOptions,
  ) {}

  get name(): string {
    return this.options.name;
  }

  /** The `ctx.loop`s setup declared. */
  get loopCount(): number {
    return this.loops.length;
  }

  /** `ctx.log`, made at its first use. */
  get log(): Logger {
    return (this.logger ??= this.options.log());
  }

  /** Runs `setup`. The loops it declared start on `resume`: the core sends it once the plugin serves, after any restore, unless paused. */
  async setup(): Promise<void> {
    await this.definition.setup(this.context());
    this.setupDone = true;
  }

  /** Suspends the loops (`plugins.pause`); an iteration under way finishes. */
  async pause(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.pause()));
  }

  async resume(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.start()));
  }

  /** Runs a handler; never throws, errors become JSON-RPC error objects. */
  async call(method: string, params: unknown): Promise<CallOutcome> {
    const entry = this.methods.get(method);
    if (!entry) {
      return {
        ok: false,
        error: { code: ErrorCode.METHOD_NOT_FOUND, message: 'Method not found', data: { plugin: this.name } },
      };
    }
    const meta: CallMeta = { method: qualifiedMethodName(this.name, method), plugin: this.name };
    try {
      return { ok: true, json: resultText(await entry.handler(params, meta)) };
    } catch (error) {
      return { ok: false, error: toWireError(error, this.name) };
    }
  }

  /** Delivers a signal to the plugin's listeners; a listener that throws is logged, not fatal. */
  signal(signal: BridgedSignal): void {
    for (const listener of this.signalListeners.get(signal) ?? []) {
      try {
        listener(signal);
      } catch (error) {
        this.log.error({ err: error, signal }, 'signal listener threw');
      }
    }
  }

  hook(name: ForwardedHook, args: unknown[]): void {
    try {
      this.hooks.get(name)?.call(...args);
    } catch (error) {
      this.log.error({ err: error, hook: name }, 'hook tap threw');
    }
  }

  /** Runs every `onShutdown` handler, in reverse order of registration; returns their errors. */
  async shutdown(): Promise<string[]> {
    const errors: string[] = [];
    // Loops stop first: their onStop may still need what onShutdown handlers release.
    const loopStops = this.loops.map((loop) => () => loop.stop());
    for (const handler of [...loopStops, ...this.shutdownHandlers.toReversed()]) {
      try {
        await handler();
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    return errors;
  }

  methodSpecs(): MethodSpec[] {
    return [...this.methods.values()].map((entry) => entry.spec);
  }

  private context(): PluginContext {
    const instance = this;
    const hooks = Object.fromEntries(
      FORWARDED_HOOKS.map((name) => [
        name,
        {
          tap(tapName: string, fn: (...args: unknown[]) => void) {
            instance.assertInSetup(`ctx.hooks.${name}.tap`);
            let hook = instance.hooks.get(name);
            if (!hook) instance.hooks.set(name, (hook = new (loadTapable().SyncHook)<unknown[]>(['a', 'b'])));
            hook.tap(tapName, fn);
          },
        },
      ]),
    ) as unknown as PluginHooks;
    return {
      name: this.options.name,
      // Nothing configured is an empty object, so `ctx.config.key` never throws.
      config: (this.options.config ?? {}) as Record<string, unknown>,
      dir: this.options.dir,
      get log() {
        return instance.log;
      },
      rpc: {
        method(name, options, handler) {
          instance.assertInSetup('ctx.rpc.method');
          if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
            throw new Error(`invalid method name "${name}": use letters, digits, "_", "-" and "."`);
          }
          if (instance.methods.has(name)) throw new Error(`method "${name}" is declared twice`);
          if (typeof handler !== 'function') throw new Error(`method "${name}" has no handler function`);
          const spec: MethodSpec = { name };
          if (options?.description !== undefined) spec.description = options.description;
          if (options?.params !== undefined) spec.params = plainSchema(options.params);
          if (options?.result !== undefined) spec.result = plainSchema(options.result);
          if (options?.timeoutMs !== undefined) spec.timeoutMs = options.timeoutMs;
          instance.methods.set(name, { spec, handler: handler as MethodHandler<unknown> });
        },
      },
      signals: {
        on(signal, listener) {
          instance.assertInSetup('ctx.signals.on');
          const listeners = instance.signalListeners.get(signal) ?? [];
          listeners.push(listener);
          instance.signalListeners.set(signal, listeners);
        },
      },
      hooks,
      loop(fn, options) {
        instance.assertInSetup('ctx.loop');
        const counters = instance.options.loopCounters ?? { iteration: () => undefined };
        instance.loops.push(new PluginLoop(fn, options, () => instance.log, counters));
      },
      onShutdown(fn) {
        instance.shutdownHandlers.push(fn);
      },
    };
  }

  private assertInSetup(what: string): void {
    if (this.setupDone) throw new Error(`${what} can only be called during setup`);
  }
}

/** JSON Schema as plain data: TypeBox adds symbol keys that do not cross threads. */
function plainSchema(schema: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema));
}
