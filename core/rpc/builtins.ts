// The daemon's own methods, one file per namespace, registered in the same
// registry as plugin methods, each with a description and a params schema
// (README, "Built-in methods"), all from here: the namespaces, then
// `system.multicall` and friends (they run calls through the dispatcher),
// then comodojo's names (builtins-compat.ts), which point at the others.

import { builtinAdder } from './builtin-method.js';
import { registerCompatAliases } from './builtins-compat.js';
import { registerDaemonMethods, type DaemonControl } from './builtins-daemon.js';
import { registerPluginMethods } from './builtins-plugins.js';
import { registerRpcMethods } from './builtins-rpc.js';
import { registerIntrospection, registerSystemExtras } from './builtins-system.js';
import type { Dispatcher } from './dispatcher.js';
import type { MethodRegistry } from './registry.js';

export function registerBuiltins(registry: MethodRegistry, dispatcher: Dispatcher, daemon: DaemonControl): void {
  const add = builtinAdder(registry);
  registerDaemonMethods(add, daemon);
  registerPluginMethods(add, daemon.host, () => daemon.loadRoots());
  registerRpcMethods(add, registry, daemon.version);
  registerIntrospection(add, registry);
  registerSystemExtras(registry, dispatcher);
  registerCompatAliases(registry);
}
