// The daemon's own methods, one file per namespace, registered in the same
// registry as plugin methods, each with a description and a params schema
// (README, "Built-in methods"). `system.multicall` and friends need the
// dispatcher and come later (registerSystemExtras), comodojo's names last
// (builtins-compat.ts).

import { builtinAdder } from './builtin-method.js';
import { registerDaemonMethods, type DaemonControl } from './builtins-daemon.js';
import { registerPluginMethods } from './builtins-plugins.js';
import { registerRpcMethods } from './builtins-rpc.js';
import { registerIntrospection } from './builtins-system.js';
import type { MethodRegistry } from './registry.js';

export function registerBuiltins(registry: MethodRegistry, daemon: DaemonControl): void {
  const add = builtinAdder(registry);
  registerDaemonMethods(add, daemon);
  registerPluginMethods(add, daemon.host, () => daemon.loadRoots);
  registerRpcMethods(add, registry, daemon.version);
  registerIntrospection(add, registry);
}
