#!/usr/bin/env node
// The `plugd` command. Every subcommand but `start` and `new` talks to a
// running daemon over its control socket.

import { Command } from 'commander';
import { resolve } from 'node:path';
import { version } from '../package-root.js';
import { resolveHome } from '../config.js';
import { homePaths } from '../paths.js';
import { RpcClient } from './client.js';
import { printJson, reportError } from './output.js';
import { start } from './start.js';
import { stop } from './stop.js';
import { printLogs } from './logs.js';
import { formatPlugins, formatReload, formatStatus } from './format.js';
import { registerNewCommand } from './new.js';

const program = new Command('plugd')
  .description('A plugin-host daemon: plugins in isolated workers, JSON-RPC over a unix socket.')
  .version(version)
  .option('--home <dir>', 'daemon home (default: $PLUGD_HOME or ~/.plugd)')
  .option('--verbose', 'print stack traces and error data')
  .showHelpAfterError();

interface GlobalOptions {
  home?: string;
  verbose?: boolean;
}

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

function socketPath(command: Command): string {
  return homePaths(resolveHome(globals(command).home)).socket;
}

/** Runs `fn` with a connected client; reports errors with the contract's exit codes. */
async function withClient(command: Command, fn: (client: RpcClient) => Promise<void>): Promise<void> {
  const client = await RpcClient.connect(socketPath(command));
  try {
    await fn(client);
  } finally {
    client.close();
  }
}

program
  .command('start')
  .description('start the daemon (detached unless --foreground)')
  .option('--foreground', 'stay attached (systemd, containers, npm start)')
  .option('--plugins <dir>', 'plugin folder (default: $PLUGD_HOME/plugins)')
  .option('--watch', 'reload plugins when their files change')
  .action(async (options: { foreground?: boolean; plugins?: string; watch?: boolean }, command: Command) => {
    await start({
      home: globals(command).home,
      plugins: options.plugins ? resolve(options.plugins) : undefined,
      watch: options.watch,
      foreground: options.foreground,
    });
  });

program
  .command('stop')
  .description('stop the daemon gracefully (SIGTERM, wait, report)')
  .action(async (_options, command: Command) => stop(homePaths(resolveHome(globals(command).home))));

program
  .command('status')
  .description("the daemon's status and its plugins")
  .option('--json', 'machine-readable output')
  .action(async (options: { json?: boolean }, command: Command) =>
    withClient(command, async (client) => {
      const [status, plugins] = await Promise.all([client.call('daemon.status'), client.call('plugins.list')]);
      if (options.json) printJson({ ...(status as object), plugins });
      else process.stdout.write(formatStatus(status as Record<string, unknown>, plugins as never));
    }),
  );

program
  .command('call <method> [params]')
  .description('call a method; params as JSON (an object or an array)')
  .action(async (method: string, params: string | undefined, _options, command: Command) => {
    let parsed: unknown;
    if (params !== undefined) {
      try {
        parsed = JSON.parse(params);
      } catch (error) {
        throw new Error(`params are not valid JSON: ${(error as Error).message}`);
      }
    }
    await withClient(command, async (client) => printJson(await client.call(method, parsed)));
  });

program
  .command('methods')
  .description('list every method the daemon serves')
  .action(async (_options, command: Command) =>
    withClient(command, async (client) => {
      const methods = await client.call<string[]>('system.listMethods');
      process.stdout.write(methods.join('\n') + '\n');
    }),
  );

program
  .command('plugins')
  .description('list the loaded plugins')
  .action(async (_options, command: Command) =>
    withClient(command, async (client) => {
      process.stdout.write(formatPlugins(await client.call('plugins.list')));
    }),
  );

program
  .command('reload [plugin]')
  .description('reload one plugin, or rescan the plugin folder')
  .option('--force', 'reload even if unchanged')
  .action(async (plugin: string | undefined, options: { force?: boolean }, command: Command) =>
    withClient(command, async (client) => {
      const params = plugin === undefined ? { force: Boolean(options.force) } : { name: plugin, force: Boolean(options.force) };
      process.stdout.write(formatReload(await client.call('plugins.reload', params)));
    }),
  );

program
  .command('logs')
  .description("print the daemon's log")
  .option('-f, --follow', 'keep printing new lines')
  .action(async (options: { follow?: boolean }, command: Command) =>
    printLogs(homePaths(resolveHome(globals(command).home)).log, Boolean(options.follow)),
  );

registerNewCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => reportError(error, Boolean(program.opts().verbose)));
