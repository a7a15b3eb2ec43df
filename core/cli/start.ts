// `plugd start`: in the foreground, the daemon runs in this process; otherwise
// this process starts it as a detached child in its own session (stdio to the
// log), waits until it reports ready over an IPC channel, checks that its
// socket answers, and returns. A child that fails reports its error instead.

import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { createDaemon, type Daemon, type DaemonOptions } from '../daemon.js';
import { homePaths, resolveHome } from '../home/paths.js';
import { prepareHome } from '../home/home.js';
import { openAppendNoFollow } from '../trust/no-follow.js';
import { built } from '../package-root.js';
import { RpcClient } from './client.js';
import { loginUrl } from './dashboard.js';
import { readToken } from '../trust/token.js';
import type { RescanSummary, SkippedEntry } from '../contract/plugin-status.js';
import { formatFailed, formatSkipped } from './format.js';
import { EXIT_ERROR } from './output.js';
import { PlugdError, StartFailedError, type PlugdErrorCode } from '../contract/errors.js';

/** The flags of `plugd start`. */
export interface StartFlags {
  plugins?: string;
  watch?: boolean;
  foreground?: boolean;
  tcp?: string;
  tcpAllowRemote?: boolean;
  metrics?: string;
  nice?: number;
  /** `plugd dev`: load this plugin and reload it on every change. */
  develop?: string;
}

export interface StartOptions extends StartFlags {
  home?: string;
}

/** Set in the detached child: its start options, as JSON. It then reports over IPC instead of printing. */
const CHILD_ENV = 'PLUGD_DETACHED_CHILD';

/** What the child says once started (with the plugins that failed to load) or failed, with the warnings start must show on the terminal. */
type ChildReport = ({ ready: number; failed: RescanSummary['failed'] } | { error: string; code?: PlugdErrorCode }) & {
  warnings?: string[];
};

export async function start(options: StartOptions): Promise<void> {
  const childOptions = process.env[CHILD_ENV];
  // Not for what the daemon starts (an upgrade's successor is no detached child).
  delete process.env[CHILD_ENV];
  if (childOptions) return runInForeground(JSON.parse(childOptions) as StartOptions, true);
  if (options.foreground) return runInForeground(options, false);
  return daemonize(options);
}

function daemonOptions(options: StartOptions, logToStdout: boolean): DaemonOptions {
  return {
    home: options.home,
    pluginDir: options.plugins,
    watch: options.watch,
    tcp: options.tcp,
    tcpAllowRemote: options.tcpAllowRemote,
    metrics: options.metrics,
    niceness: options.nice,
    develop: options.develop,
    // `plugd dev` prints its own readable line per record (dev-report.ts), not the log's JSON.
    logToStdout: logToStdout && !options.develop,
  };
}

async function runInForeground(options: StartOptions, detached: boolean): Promise<void> {
  const daemon = createDaemon(daemonOptions(options, !detached));
  let summary: RescanSummary;
  try {
    summary = await daemon.start();
  } catch (error) {
    if (detached) {
      // Exit whatever is left open: a child that failed to start must not linger as an orphan.
      const code = error instanceof PlugdError ? error.code : undefined;
      process.send!({ error: (error as Error).message, code, warnings: daemon.warnings } satisfies ChildReport, () =>
        process.exit(1),
      );
      return;
    }
    throw error;
  }
  if (detached) {
    process.send!({ ready: process.pid, failed: summary.failed, warnings: daemon.warnings } satisfies ChildReport);
    process.disconnect();
  } else if (daemon.upgrades === 0) {
    // An upgrade's successor has no terminal of its own to greet: its output goes where its predecessor's went.
    printWelcome(daemon, options.develop, summary.failed);
  }
  await daemon.stopped;
}

/** Tells the person at the terminal where the daemon is and what to try first. */
function printWelcome(daemon: Daemon, developing: string | undefined, failed: RescanSummary['failed']): void {
  const status = daemon.status();
  const plugd = `npx plugd --home ${JSON.stringify(status.home)}`;
  const pluginMethods = daemon.registry.list().filter((entry) => entry.plugin);
  const example =
    pluginMethods.find((entry) => entry.name === 'echo.say') ?? pluginMethods.find((entry) => !entry.params?.required);
  process.stderr.write(
    [
      `plugd ${status.version} running in the foreground (pid ${status.pid}), ${status.pluginsReady} plugin(s) ready` +
        (status.pluginsIdle > 0 ? `, ${status.pluginsIdle} idle until called` : '') +
        (failed.length > 0 ? `, ${failed.length} failed` : ''),
      `  socket: ${status.socket}`,
      ...(status.tcp ? [`  web:    ${loginUrl(status.tcp, readToken(status.home), status.tcpTls)}`] : []),
      ...(developing ? [`  dev:    watching ${developing}: save a change and the next call runs it`] : []),
      `  try:    ${plugd} methods`,
      ...(example
        ? [`          ${plugd} call ${example.name}${example.name === 'echo.say' ? ` '{"text":"hello"}'` : ''}`]
        : []),
      `          ${plugd} plugins`,
      `  stop:   Ctrl-C`,
      '',
    ].join('\n') +
      formatFailed(failed) +
      formatSkipped(status.skipped),
  );
}

async function daemonize(options: StartOptions): Promise<void> {
  // The home and log must exist before the child's stdio can point at the log.
  // Only the home is needed here: the daemon reads and checks the config, and reports what is wrong with it.
  const paths = homePaths(resolveHome(options.home));
  prepareHome(paths.home);
  const logFd = openAppendNoFollow(paths.log);
  const child = spawn(process.execPath, [...process.execArgv, built.cli, 'start'], {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'ipc'],
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ ...options, home: paths.home } satisfies StartOptions) },
  });
  closeSync(logFd);
  const report = await new Promise<ChildReport>((resolve) => {
    child.once('message', (message: ChildReport) => resolve(message));
    child.once('exit', (code, signal) =>
      resolve({ error: `the daemon exited during startup (${signal ?? `code ${code}`}); see ${paths.log}` }),
    );
  });
  child.removeAllListeners();
  if (child.connected) child.disconnect();
  child.unref();
  for (const warning of report.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
  if ('error' in report) throw new StartFailedError(report.error, report.code);
  const client = await RpcClient.connect(paths.socket);
  let status: { skipped: SkippedEntry[] };
  try {
    status = await client.call('daemon.status');
  } finally {
    client.close();
  }
  process.stdout.write(`plugd started (pid ${report.ready})\n`);
  // It serves the others, but a plugin that failed to start is an error of this command.
  process.stderr.write(formatFailed(report.failed) + formatSkipped(status.skipped));
  if (report.failed.length > 0) process.exitCode = EXIT_ERROR;
}
