// `plugins.*`: list, inspect, load, reload, unload, pause and resume plugins.
// Each takes its params by name or, in the order of `positional`, by position.

import { Type } from '@sinclair/typebox';
import { NoParams, type AddBuiltin } from './builtin-method.js';
import { loadPathRefusal } from '../trust/load-paths.js';
import { ErrorCode, RpcError } from './errors.js';
import type { PluginControl } from './plugin-control.js';
import { UnloadedSchema } from '../contract/answers.js';
import { PluginStatusSchema, ReloadOneSchema, RescanSummarySchema } from '../contract/plugin-status.js';

const PluginName = Type.Object(
  { name: Type.String({ description: 'The plugin name' }) },
  { additionalProperties: false },
);
const BY_NAME = ['name'] as const;

/** `loadRoots`: the folders `plugins.load` may load from now (a re-read plugd.json may change them). */
export function registerPluginMethods(add: AddBuiltin, plugins: PluginControl, loadRoots: () => string[]): void {
  add(
    'plugins.list',
    {
      description: 'Every loaded plugin with its state, methods, thread, calls served and last error.',
      params: NoParams,
      result: Type.Array(PluginStatusSchema),
    },
    () => plugins.list(),
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
      positional: ['name', 'force'],
      result: Type.Union([RescanSummarySchema, ReloadOneSchema]),
    },
    ({ name, force }: { name?: string; force?: boolean }) =>
      name === undefined ? plugins.rescan(force ?? false) : plugins.reloadOne(name, force ?? false),
  );
  add(
    'plugins.load',
    {
      description:
        'Loads a plugin from a path (a plugin folder, a NAME.plugin.{js,mjs,ts} file or an executable NAME.plugin).',
      params: Type.Object(
        { path: Type.String({ description: 'Absolute path, or relative to the daemon' }) },
        { additionalProperties: false },
      ),
      positional: ['path'],
      result: PluginStatusSchema,
    },
    ({ path }: { path: string }) => {
      const refusal = loadPathRefusal(path, loadRoots());
      if (refusal) throw new RpcError(ErrorCode.INVALID_PARAMS, refusal);
      return plugins.loadPath(path);
    },
  );
  add(
    'plugins.unload',
    {
      description: 'Stops a plugin and removes its methods.',
      params: PluginName,
      positional: BY_NAME,
      result: UnloadedSchema,
    },
    async ({ name }: { name: string }) => {
      await plugins.unload(name);
      return { unloaded: name };
    },
  );
  add(
    'plugins.status',
    {
      description: 'One plugin: state, methods, calls served, restarts, heap, loops.',
      params: PluginName,
      positional: BY_NAME,
      result: PluginStatusSchema,
    },
    ({ name }: { name: string }) => plugins.status(name),
  );
  add(
    'plugins.pause',
    {
      description: 'Pauses a plugin: its loops stop and its methods answer -32001 at once.',
      params: PluginName,
      positional: BY_NAME,
      result: PluginStatusSchema,
    },
    ({ name }: { name: string }) => plugins.setPaused(name, true),
  );
  add(
    'plugins.resume',
    { description: 'Resumes a paused plugin.', params: PluginName, positional: BY_NAME, result: PluginStatusSchema },
    ({ name }: { name: string }) => plugins.setPaused(name, false),
  );
}
