#!/usr/bin/env node
// The `plugd` command. Every subcommand but `start` and `new` talks to a
// running daemon over its control socket. Modules only some commands need
// (the daemon, the config schema, top) load in those commands' actions.

import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { version } from '../package-root.js';
import { parseAddress } from '../address.js';
import { homePaths, resolveHome } from '../paths.js';
import { readToken, rotateToken } from '../token.js';
import { authenticate, clientToken } from './client-token.js';
import { tlsClientOptions, type TlsFlags } from './tls-flags.js';
import { checkHomeIsFolder, prepareHome } from '../home.js';
import { RpcClient } from './client.js';
import { EXIT_ERROR, printJson, reportError } from './output.js';
import type { StartFlags } from './start.js';
import { stop } from './stop.js';
import { LOG_LEVELS, printLogs, type LogLevel } from './logs.js';
import { formatFailed, formatPlugins, formatReload, formatStatus } from './format.js';
import type { DaemonReloadSummary, PluginStatus, ReloadOne, SkippedEntry } from '../contract/plugin-status.js';
import { paintFor } from './colour.js';
import { takeSnapshot } from './daemon-snapshot.js';
import { isSortColumn, SORT_COLUMNS, type SortColumn } from './top-sort.js';
import { registerDevCommand } from './dev.js';

const program = new Command('plugd')
  .description('A plugin-host daemon: plugins in isolated workers, JSON-RPC over a unix socket.')
  .version(version)
  .option('--home <dir>', 'daemon home (default: $PLUGD_HOME or ~/.plugd)')
  .option('--verbose', 'print stack traces and error data')
  .showHelpAfterError()
  // Usage errors throw (every command inherits this), so they exit 2, not commander's 1.
  .exitOverride();
// The client commands' options may come before the command too (`plugd --tcp HOST:PORT call ...`).
addClientOptions(program);

interface GlobalOptions {
  home?: string;
  verbose?: boolean;
  tcp?: string;
  tokenFile?: string;
}

function addClientOptions(command: Command): Command {
  return command
    .option('--tcp <host:port>', 'talk to the TCP listener instead of the unix socket')
    .option('--token-file <file>', `over --tcp, the token to offer (default: $PLUGD_TOKEN, else the home's token file)`)
    .option('--tls', 'over --tcp, speak TLS (implied by the --tls-* options)')
    .option('--tls-ca <file>', "trust the listener's certificate if this CA signed it")
    .option('--tls-cert <file>', 'a client certificate, for a listener with mutual TLS (with --tls-key)')
    .option('--tls-key <file>', "the client certificate's key");
}

function parseNiceness(value: string): number {
  const niceness = Number(value);
  if (!Number.isInteger(niceness) || niceness < -20 || niceness > 19)
    throw new InvalidArgumentError(`--nice takes a whole number from -20 to 19, not "${value}"`);
  return niceness;
}

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

function socketPath(command: Command): string {
  const home = resolveHome(globals(command).home);
  checkHomeIsFolder(home);
  return homePaths(home).socket;
}

/**
 * Runs `fn` with a connected client: the unix socket, or with `--tcp` the TCP
 * listener, authenticated with the token of --token-file, $PLUGD_TOKEN or the home.
 */
async function withClient(command: Command, fn: (client: RpcClient) => Promise<void>): Promise<void> {
  const { tcp, tokenFile, home, ...tls } = command.optsWithGlobals<GlobalOptions & TlsFlags>();
  const token = tcp ? clientToken(tokenFile, resolveHome(home)) : undefined;
  const client = await RpcClient.connect(
    tcp ? { ...parseAddress(tcp), tls: tlsClientOptions(tls) } : socketPath(command),
  );
  try {
    if (token) await authenticate(client, token);
    await fn(client);
  } finally {
    client.close();
  }
}

/** A command that talks to the daemon, over the unix socket or, with --tcp, the TCP listener. */
function clientCommand(nameAndArgs: string, description: string): Command {
  return addClientOptions(program.command(nameAndArgs).description(description));
}

program
  .command('start')
  .description('start the daemon (detached unless --foreground)')
  .option('--foreground', 'stay attached (systemd, containers, npm start)')
  .option('--plugins <dir>', 'plugin folder (default: $PLUGD_HOME/plugins)')
  .option('--watch', 'reload plugins when their files change')
  .option('--tcp <host:port>', 'also listen on TCP (token required; see plugd token)')
  .option('--tcp-allow-remote', 'allow a --tcp or --metrics address that is not loopback')
  .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics')
  .option('--nice <n>', "set the daemon's niceness (-20..19)", (value) => parseNiceness(value))
  .action(async (options: StartFlags, command: Command) => {
    // The daemon's modules load only for the commands that run one.
    const { start } = await import('./start.js');
    // The program's own --tcp (a client option) takes the flag wherever it stands: here it is the address to listen on.
    const { home, tcp } = globals(command);
    await start({
      ...options,
      tcp: options.tcp ?? tcp,
      home,
      plugins: options.plugins ? resolve(options.plugins) : undefined,
    });
  });

program
  .command('restart')
  .description('stop the daemon and start it again, detached, serving what it served (flags as for start override)')
  .option('--plugins <dir>', 'plugin folder')
  .option('--watch', 'reload plugins when their files change')
  .option('--tcp-allow-remote', 'allow a --tcp or --metrics address that is not loopback')
  .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics')
  .option('--nice <n>', "set the daemon's niceness (-20..19)", (value) => parseNiceness(value))
  .action(async (options: StartFlags, command: Command) => {
    const { restart } = await import('./restart.js');
    // --tcp is the program's (a client option wherever it stands): here, the address to listen on.
    const { home, tcp } = globals(command);
    await restart({ ...options, tcp, plugins: options.plugins ? resolve(options.plugins) : undefined }, home);
  });

program
  .command('token')
  .description("print the TCP listener's token (made on first use), or replace it")
  .option('--rotate', 'replace the token; clients must use the new one')
  .action((options: { rotate?: boolean }, command: Command) => {
    const home = resolveHome(globals(command).home);
    // The token is the daemon's: made only in a home that is this user's own, as start requires.
    prepareHome(home);
    process.stdout.write(`${options.rotate ? rotateToken(home) : readToken(home)}\n`);
  });

program
  .command('dashboard')
  .description("print the web dashboard's login URL (the daemon must run with --tcp)")
  .action(async (_options, command: Command) => {
    const { printDashboardUrl } = await import('./dashboard.js');
    await printDashboardUrl(resolveHome(globals(command).home));
  });

program
  .command('stop')
  .description('stop the daemon gracefully (SIGTERM, wait, report)')
  .action(async (_options, command: Command) => stop(homePaths(resolveHome(globals(command).home))));

program
  .command('upgrade')
  .description('replace the running daemon with a new one on the same sockets (new plugd code); the old one drains')
  .option('--node <path>', 'the node binary the new daemon runs on (default: this one)')
  .option('--entry <path>', "the plugd CLI script it runs (default: this install's)")
  .action(async (options: { node?: string; entry?: string }, command: Command) => {
    const { upgrade } = await import('./upgrade.js');
    await upgrade(homePaths(resolveHome(globals(command).home)), {
      ...(options.node && { node: resolve(options.node) }),
      ...(options.entry && { entry: resolve(options.entry) }),
    });
  });

clientCommand('status', "the daemon's status and its plugins")
  .option('--json', 'machine-readable output')
  .action(async (options: { json?: boolean }, command: Command) =>
    withClient(command, async (client) => {
      if (options.json) {
        const [status, plugins] = await Promise.all([client.call('daemon.status'), client.call('plugins.list')]);
        printJson({ ...(status as object), plugins });
      } else {
        process.stdout.write(formatStatus(await takeSnapshot(client), paintFor(process.stdout)));
      }
    }),
  );

function parseSortColumn(value: string): SortColumn {
  if (!isSortColumn(value))
    throw new InvalidArgumentError(`--sort takes one of ${SORT_COLUMNS.join(', ')}, not "${value}"`);
  return value;
}

function parseInterval(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100)
    throw new InvalidArgumentError(`--interval takes a whole number of ms, at least 100, not "${value}"`);
  return ms;
}

clientCommand('top', 'a live view of the plugins: state, calls/s, latency, errors, restarts, memory (q to quit)')
  .option('--sort <column>', `order by ${SORT_COLUMNS.join(', ')}`, parseSortColumn, 'state')
  .option('--interval <ms>', 'time between refreshes', parseInterval, 1000)
  .option('--once', 'print one frame and exit (no escape codes unless on a terminal)')
  .option('--json', "one frame's figures as JSON, and exit")
  .action(async (options: { sort: SortColumn; interval: number; once?: boolean; json?: boolean }, command: Command) =>
    withClient(command, async (client) => {
      if (options.json) return printJson(await takeSnapshot(client));
      const { top } = await import('./top.js');
      await top(client, { sort: options.sort, intervalMs: options.interval, once: Boolean(options.once) });
    }),
  );

program
  .command('systemd-unit')
  .description('print the systemd units (plugd.service, plugd.socket) that run this install in the foreground')
  .option('--user', 'units for the user manager (systemctl --user)')
  .addOption(new Option('--only <unit>', 'print one unit only').choices(['service', 'socket']))
  .action(async (options: { user?: boolean; only?: 'service' | 'socket' }, command: Command) => {
    const { describeInstall, renderSystemdSocket, renderSystemdUnit, renderSystemdUnits } =
      await import('./systemd-unit.js');
    const render =
      options.only === 'service'
        ? renderSystemdUnit
        : options.only === 'socket'
          ? renderSystemdSocket
          : renderSystemdUnits;
    process.stdout.write(render(describeInstall(resolveHome(globals(command).home), Boolean(options.user))));
  });

clientCommand('call <method> [params]', 'call a method; params as JSON (an object or an array)').action(
  async (method: string, params: string | undefined, _options, command: Command) => {
    let parsed: unknown;
    if (params !== undefined) {
      try {
        parsed = JSON.parse(params);
      } catch (error) {
        throw new Error(`params are not valid JSON: ${(error as Error).message}`);
      }
    }
    await withClient(command, async (client) => printJson(await client.call(method, parsed)));
  },
);

clientCommand('methods', 'list every method the daemon serves')
  .option('--json', 'machine-readable output')
  .action(async (options: { json?: boolean }, command: Command) =>
    withClient(command, async (client) => {
      const methods = await client.call<string[]>('system.listMethods');
      if (options.json) printJson(methods);
      else process.stdout.write(methods.join('\n') + '\n');
    }),
  );

clientCommand('plugins', 'list the loaded plugins')
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

clientCommand('load <path>', 'load a plugin from a folder or file (in the plugin folder or loadPaths)').action(
  async (path: string, _options, command: Command) =>
    withClient(command, async (client) => {
      const plugin = await client.call<PluginStatus>('plugins.load', { path: resolve(path) });
      process.stdout.write(`loaded: ${plugin.name} (${plugin.methods.join(', ') || 'no methods'})\n`);
    }),
);

clientCommand('unload <plugin>', 'stop a plugin and remove its methods').action(
  async (name: string, _options, command: Command) =>
    withClient(command, async (client) => {
      await client.call('plugins.unload', { name });
      process.stdout.write(`unloaded: ${name}\n`);
    }),
);

clientCommand('reload [plugin]', 'reload one plugin, or rescan the plugin folder')
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
    `${verb} <plugin>`,
    paused ? 'pause a plugin: its loops stop, its methods answer -32001' : 'resume a paused plugin',
  ).action(async (plugin: string, _options, command: Command) =>
    withClient(command, async (client) => {
      await client.call(paused ? 'plugins.pause' : 'plugins.resume', { name: plugin });
      process.stdout.write(`${plugin}: ${paused ? 'paused' : 'resumed'}\n`);
    }),
  );
}

function parseLineCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError('a whole number of records, 0 or more');
  return count;
}

function parseLogLevel(value: string): LogLevel {
  if (!(value in LOG_LEVELS)) throw new InvalidArgumentError(`one of ${Object.keys(LOG_LEVELS).join(', ')}`);
  return value as LogLevel;
}

program
  .command('logs [plugin...]')
  .description("print the daemon's log, or the records of some plugins (pretty on a terminal, JSON lines when piped)")
  .option('-n, --lines <n>', 'only the last N records', parseLineCount)
  .option('-f, --follow', 'keep printing new records')
  .option(
    '--level <level>',
    `only records at this level or above (${Object.keys(LOG_LEVELS).join(', ')})`,
    parseLogLevel,
  )
  .option('--json', 'the JSON lines as they are, even on a terminal')
  .action(
    async (
      plugins: string[],
      options: { lines?: number; follow?: boolean; level?: LogLevel; json?: boolean },
      command: Command,
    ) =>
      printLogs(homePaths(resolveHome(globals(command).home)).log, {
        last: options.lines,
        follow: Boolean(options.follow),
        plugins,
        level: options.level,
        json: Boolean(options.json),
      }),
  );

program
  .command('new <name>')
  .description('create a plugin from the template, in the plugin folder unless --dir')
  .option('--dir <dir>', "where to create it (default: the daemon's plugin folder)")
  .option('--lang <lang>', 'js (default) or python (a stdio plugin, docs/PROTOCOL.md)')
  .option('--file', 'a single NAME.plugin.ts file, with a tsconfig.json that gives editors the SDK types')
  .action(async (name: string, options: { dir?: string; lang?: string; file?: boolean }, command: Command) => {
    const { newPlugin } = await import('./new.js');
    await newPlugin(name, { home: globals(command).home, dir: options.dir, lang: options.lang, file: options.file });
  });

program
  .command('state [plugin]')
  .description("the plugins' state kept across a stop (state/ in the home), or drop it with --clear")
  .option('--clear', 'drop the kept state of PLUGIN, or of every plugin')
  .option('--json', 'machine-readable output')
  .action(async (plugin: string | undefined, options: { clear?: boolean; json?: boolean }, command: Command) => {
    const { state } = await import('./state.js');
    const home = resolveHome(globals(command).home);
    checkHomeIsFolder(home);
    await state(home, plugin, options);
  });

registerDevCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => reportError(error, Boolean(program.opts().verbose)));
