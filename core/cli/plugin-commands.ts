// The commands that call the daemon's methods and manage its plugins: `call`,
// `methods`, `plugins`, `load`, `unload`, `reload`, `pause` and `resume`.

import type { Command } from 'commander';
import { resolve } from 'node:path';
import { EXIT_ERROR, printJson } from './output.js';
import { formatFailed, formatPlugins, formatReload } from './format.js';
import type { DaemonReloadSummary, PluginStatus, ReloadOne, SkippedEntry } from '../contract/plugin-status.js';
import { clientCommand, withClient } from './client-command.js';
import { InvalidInputError } from '../contract/errors.js';

/** Adds the plugin and method commands to the program. */
export function registerPluginCommands(program: Command): void {
  clientCommand(program, 'call <method> [params]', 'call a method; params as JSON (an object or an array)').action(
    async (method: string, params: string | undefined, _options, command: Command) => {
      let parsed: unknown;
      if (params !== undefined) {
        try {
          parsed = JSON.parse(params);
        } catch (error) {
          throw new InvalidInputError(`params are not valid JSON: ${(error as Error).message}`, { cause: error });
        }
      }
      await withClient(command, async (client) => printJson(await client.call(method, parsed)));
    },
  );

  clientCommand(program, 'methods', 'list every method the daemon serves')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }, command: Command) =>
      withClient(command, async (client) => {
        const methods = await client.call<string[]>('system.listMethods');
        if (options.json) printJson(methods);
        else process.stdout.write(methods.join('\n') + '\n');
      }),
    );

  clientCommand(program, 'plugins', 'list the loaded plugins')
    .option('--json', 'machine-readable output (plugins.list)')
    .action(async (options: { json?: boolean }, command: Command) =>
      withClient(command, async (client) => {
        const [plugins, status] = await Promise.all([
          client.call<PluginStatus[]>('plugins.list'),
          client.call<{ skipped: SkippedEntry[] }>('daemon.status'),
        ]);
        if (options.json) printJson(plugins);
        else process.stdout.write(formatPlugins(plugins, status.skipped));
      }),
    );

  clientCommand(
    program,
    'load <path>',
    'load a plugin from a folder or file (in the plugin folder or loadPaths)',
  ).action(async (path: string, _options, command: Command) =>
    withClient(command, async (client) => {
      const plugin = await client.call<PluginStatus>('plugins.load', { path: resolve(path) });
      process.stdout.write(`loaded: ${plugin.name} (${plugin.methods.join(', ') || 'no methods'})\n`);
    }),
  );

  clientCommand(program, 'unload <plugin>', 'stop a plugin and remove its methods').action(
    async (name: string, _options, command: Command) =>
      withClient(command, async (client) => {
        await client.call('plugins.unload', { name });
        process.stdout.write(`unloaded: ${name}\n`);
      }),
  );

  clientCommand(program, 'reload [plugin]', 'reload one plugin, or rescan the plugin folder')
    .option('--force', 'reload even if unchanged')
    .option('--json', 'machine-readable output (the answer of plugins.reload)')
    .action(async (plugin: string | undefined, options: { force?: boolean; json?: boolean }, command: Command) =>
      withClient(command, async (client) => {
        const force = Boolean(options.force);
        // A rescan is what SIGHUP does: plugd.json is re-read too.
        const outcome =
          plugin === undefined
            ? await client.call<DaemonReloadSummary>('daemon.reload', { force })
            : await client.call<ReloadOne>('plugins.reload', { name: plugin, force });
        if (options.json) printJson(outcome);
        else process.stdout.write(formatReload(outcome));
        // A rescan in which a plugin failed is an error, as a one-plugin reload that fails is: one line each on stderr.
        if ('failed' in outcome && outcome.failed.length > 0) {
          if (!options.json) process.stderr.write(formatFailed(outcome.failed));
          process.exitCode = EXIT_ERROR;
        }
      }),
    );

  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    clientCommand(
      program,
      `${verb} <plugin>`,
      paused ? 'pause a plugin: its loops stop, its methods answer -32001' : 'resume a paused plugin',
    ).action(async (plugin: string, _options, command: Command) =>
      withClient(command, async (client) => {
        await client.call(paused ? 'plugins.pause' : 'plugins.resume', { name: plugin });
        process.stdout.write(`${plugin}: ${paused ? 'paused' : 'resumed'}\n`);
      }),
    );
  }
}
