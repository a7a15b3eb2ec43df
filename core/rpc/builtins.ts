// The daemon's own methods, registered in the same registry as plugin methods,
// each with a description and a params schema (DESIGN.md, "Built-in methods").

import { Type } from '@sinclair/typebox';
import type { PluginHost, RescanSummary } from '../host/host.js';
import { ErrorCode, RpcError } from './errors.js';
import { loadPathRefusal } from '../load-paths.js';
import { methodSignature, openRpcDocument } from './openrpc.js';
import { defineMethod, type MethodDefinition, type MethodHandler, type MethodRegistry } from './registry.js';

export interface DaemonControl {
  readonly version: string;
  readonly host: PluginHost;
  /** The folders `plugins.load` may load from. */
  readonly loadRoots: string[];
  status(): Record<string, unknown>;
  /** Counters and latency percentiles per method and per plugin (`daemon.metrics`). */
  metrics(): Record<string, unknown>;
  /** Starts a graceful stop after the current answer is sent. */
  requestStop(reason: string): void;
  /** What SIGHUP does: rescan the plugin folder, reload what changed, reopen the log. */
  reload(source: 'signal' | 'rpc'): Promise<RescanSummary>;
}

const NoParams = Type.Object({}, { additionalProperties: false });
const MethodName = Type.Object(
  { method: Type.String({ description: 'A method name, as listed by system.listMethods' }) },
  { additionalProperties: false },
);
const PluginName = Type.Object({ name: Type.String({ description: 'The plugin name' }) }, { additionalProperties: false });

type AddBuiltin = (name: string, definition: MethodDefinition, handler: MethodHandler) => void;

export function builtinAdder(registry: MethodRegistry): AddBuiltin {
  return (name, definition, handler) => registry.add(defineMethod(name, 'daemon', definition, handler));
}

export function registerBuiltins(registry: MethodRegistry, daemon: DaemonControl): void {
  const add = builtinAdder(registry);
  const lookup = (name: string) => {
    const entry = registry.get(name);
    if (!entry) throw new RpcError(ErrorCode.INVALID_PARAMS, `no method named ${name}`);
    return entry;
  };

  add('daemon.status', { description: 'Pid, uptime, version, home, socket, plugin count and memory of the daemon.', params: NoParams }, () =>
    daemon.status(),
  );
  add('daemon.stop', { description: 'Stops the daemon gracefully (in-flight calls are answered first).', params: NoParams }, () => {
    daemon.requestStop('daemon.stop');
    return { stopping: true };
  });
  add(
    'daemon.metrics',
    { description: 'Calls, errors by code, in flight and latency percentiles per method and per plugin; restarts; daemon RSS and event-loop delay.', params: NoParams },
    () => daemon.metrics(),
  );
  add(
    'daemon.reload',
    { description: 'Rescans the plugin folder and reloads what changed (as SIGHUP does), and reopens the log.', params: NoParams },
    () => daemon.reload('rpc'),
  );

  add('plugins.list', { description: 'Every loaded plugin with its state, methods, thread, calls served and last error.', params: NoParams }, () =>
    daemon.host.list(),
  );
  add(
    'plugins.reload',
    {
      description:
        'Reloads one plugin (blue/green: the old version serves until the new one is ready) or, without a name, rescans the folder. An unchanged plugin is left alone unless force is true.',
      params: Type.Object(
        {
          name: Type.Optional(Type.String({ description: 'The plugin to reload; all when absent' })),
          force: Type.Optional(Type.Boolean({ description: 'Reload even if the code did not change' })),
        },
        { additionalProperties: false },
      ),
    },
    ({ name, force }: { name?: string; force?: boolean }) =>
      name === undefined ? daemon.host.rescan(force ?? false) : daemon.host.reloadOne(name, force ?? false),
  );
  add(
    'plugins.load',
    {
      description: 'Loads a plugin from a path (a plugin folder or a NAME.plugin.{js,mjs,ts} file).',
      params: Type.Object({ path: Type.String({ description: 'Absolute path, or relative to the daemon' }) }, { additionalProperties: false }),
    },
    ({ path }: { path: string }) => {
      const refusal = loadPathRefusal(path, daemon.loadRoots);
      if (refusal) throw new RpcError(ErrorCode.INVALID_PARAMS, refusal);
      return daemon.host.loadPath(path);
    },
  );
  add('plugins.unload', { description: 'Stops a plugin and removes its methods.', params: PluginName }, async ({ name }: { name: string }) => {
    await daemon.host.unload(name);
    return { unloaded: name };
  });

  add('plugins.status', { description: 'One plugin: state, methods, calls served, restarts, heap, loops.', params: PluginName }, ({ name }: { name: string }) =>
    daemon.host.status(name),
  );
  add('plugins.pause', { description: 'Pauses a plugin: its loops stop and its methods answer -32001 at once.', params: PluginName }, ({ name }: { name: string }) =>
    daemon.host.setPaused(name, true),
  );
  add('plugins.resume', { description: 'Resumes a paused plugin.', params: PluginName }, ({ name }: { name: string }) =>
    daemon.host.setPaused(name, false),
  );
  add(
    'rpc.auth',
    {
      description: 'Authenticates a TCP connection with the token in $PLUGD_HOME/token; the unix socket is trusted already.',
      params: Type.Object({ token: Type.String() }, { additionalProperties: false }),
    },
    () => ({ authenticated: true }),
  );

  add('system.listMethods', { description: 'The names of every method, built-in and plugin.', params: NoParams }, () =>
    registry.list().map((entry) => entry.name),
  );
  add('system.methodHelp', { description: "A method's description.", params: MethodName }, ({ method }: { method: string }) =>
    lookup(method).description ?? '',
  );
  add(
    'system.methodSignature',
    { description: "A method's params and result as JSON Schema.", params: MethodName },
    ({ method }: { method: string }) => methodSignature(lookup(method)),
  );
  add('rpc.discover', { description: 'An OpenRPC document describing every method.', params: NoParams }, () =>
    openRpcDocument(registry.list(), { version: daemon.version }),
  );
}
