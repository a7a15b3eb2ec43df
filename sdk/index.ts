// What plugin authors import as `plugd/sdk`: `definePlugin` and the types of
// the context a plugin's `setup` receives (core/worker/plugin-api.ts).

import type { PluginDefinition } from '../core/worker/plugin-api.js';

export { RpcError, ErrorCode } from '../core/rpc/errors.js';
export type { JsonSchema } from '../core/channel/protocol.js';
export type { LoopOptions } from '../core/worker/loop.js';
export type { BridgedSignal } from '../core/signals.js';
export type { PluginEvent, ReloadRequest } from '../core/channel/protocol.js';
export type {
  CallMeta,
  ForwardedHookTap,
  MethodHandler,
  MethodOptions,
  ParamsOf,
  PluginContext,
  PluginDefinition,
  PluginHooks,
} from '../core/worker/plugin-api.js';

/** Declares a plugin. It returns its argument: the types are the point. */
export function definePlugin<Config = Record<string, unknown>, State = unknown>(
  definition: PluginDefinition<Config, State>,
): PluginDefinition<Config, State> {
  return definition;
}

/** TypeBox's schema builder, so a plugin needs nothing but `plugd/sdk` to declare typed params. */
export { Type, type Static, type TSchema } from '@sinclair/typebox';
