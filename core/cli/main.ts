#!/usr/bin/env node
// The `plugd` command. Every subcommand but `start` and `new` talks to a
// running daemon over its control socket. Modules only some commands need
// (the daemon, the config schema, top) load in those commands' actions.

import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { version } from '../package-root.js';
import { homePaths, resolveHome } from '../home/paths.js';
import { readToken, rotateToken } from '../trust/token.js';
import { checkHomeIsFolder, prepareHome } from '../home/home.js';
import { reportError } from './output.js';
import type { StartFlags } from './start.js';
import { stop } from './stop.js';
import { LOG_LEVELS, printLogs, type LogLevel } from './logs.js';
import { registerDevCommand } from './dev.js';
import { addClientOptions, globals } from './global-options.js';
import { registerViewCommands } from './view-commands.js';
import { registerPluginCommands } from './plugin-commands.js';

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

function parseNiceness(value: string): number {
  const niceness = Number(value);
  if (!Number.isInteger(niceness) || niceness < -20 || niceness > 19)
    throw new InvalidArgumentError(`--nice takes a whole number from -20 to 19, not "${value}"`);
  return niceness;
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

registerViewCommands(program);

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

registerPluginCommands(program);

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
