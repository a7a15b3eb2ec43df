// `plugd systemd-unit`: a systemd unit for this very install (this node, this
// CLI, this home), so `plugd start --foreground` runs under the service
// manager: plugd tells it when it is ready (sd_notify, Type=notify), pings its
// watchdog, it restarts plugd on failure, turns `systemctl reload` into SIGHUP
// and sandboxes it; and a socket unit beside it, so systemd holds the control
// socket (socket activation). A user unit (`--user`) keeps only the options
// that work without privileges.

import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { loadConfig, supervisionFor } from '../config/config.js';
import { built } from '../package-root.js';

export interface UnitInstall {
  node: string;
  cli: string;
  home: string;
  pluginDir: string;
  homeExists: boolean;
  /** The longest a graceful stop may take, in ms. */
  stopDeadlineMs: number;
  /** The account a system unit runs as; none for root. */
  user?: string;
  /** A unit for `systemctl --user`. */
  userUnit: boolean;
}

/** Where a home, or node itself, may live that `ProtectHome=yes` would hide. */
const HOME_TREES = ['/home/', '/root/', '/run/user/'];

/** What `PrivateTmp=yes` replaces with an empty folder of the service's own. */
const TEMPORARY_TREES = ['/tmp/', '/var/tmp/'];

/** Room past the stop deadline before systemd sends SIGKILL. */
const STOP_MARGIN_SECONDS = 5;

/** How long plugd's event loop may go without a WATCHDOG=1 before systemd restarts it (it pings at half). */
const WATCHDOG_SECONDS = 30;

/** The listen backlog plugd sets itself (core/rpc/listener.ts), kept when systemd holds the socket. */
const SOCKET_BACKLOG = 4096;

/**
 * The install this CLI belongs to. A graceful stop drains the listeners, then
 * each plugin drains its calls and runs its `onShutdown`, each phase up to a
 * drain deadline (plugins in parallel, so the longest one counts).
 */
export function describeInstall(home: string, userUnit: boolean): UnitInstall {
  const config = loadConfig({ home });
  const pluginDrains = Object.keys(config.plugins).map((name) => supervisionFor(config, name).drainTimeoutMs);
  const drain = config.supervision.drainTimeoutMs;
  const account = userInfo();
  return {
    node: process.execPath,
    cli: built.cli,
    home: config.home,
    pluginDir: config.pluginDir,
    homeExists: existsSync(config.home),
    stopDeadlineMs: drain + 2 * Math.max(drain, ...pluginDrains),
    user: account.uid === 0 ? undefined : account.username,
    userUnit,
  };
}

/**
 * One word of a unit file: `%` starts a specifier (and in a command line `$`
 * a variable), so they are doubled; a word with spaces is quoted.
 */
function unitWord(value: string, commandLine = false): string {
  const specifiersEscaped = value.replace(/%/g, '%%');
  const escaped = commandLine ? specifiersEscaped.replace(/\$/g, '$$$$') : specifiersEscaped;
  return /[\s"'\\]/.test(escaped) || escaped === '' ? `"${escaped.replace(/[\\"]/g, '\\$&')}"` : escaped;
}

function isUnder(path: string, trees: string[]): boolean {
  return trees.some((tree) => `${path}/`.startsWith(tree));
}

function hardening(install: UnitInstall): string[] {
  const underHomes = [install.home, install.pluginDir, install.node, install.cli].some((path) =>
    isUnder(path, HOME_TREES),
  );
  const underTemporary = [install.home, install.pluginDir].some((path) => isUnder(path, TEMPORARY_TREES));
  return [
    '# Sandbox: the file system is read-only but for the home (socket, pidfile, log, plugin builds);',
    '# the plugin folder is only read.',
    'ProtectSystem=strict',
    `ReadWritePaths=${unitWord(install.home)}`,
    // Hidden entirely unless this install lives there; then read-only, with the home still writable.
    `ProtectHome=${underHomes ? 'read-only' : 'yes'}`,
    // A home in /tmp (a trial install) would vanish behind a private /tmp: left out, and said so.
    ...(underTemporary
      ? [
          `# PrivateTmp=yes is left out: it would hide ${[install.home, install.pluginDir].find((path) => isUnder(path, TEMPORARY_TREES))} behind a private /tmp.`,
          '# A home under /tmp is for a trial: systemd-tmpfiles may clean it, and every service can see it. Move it',
          '# (e.g. --home /var/lib/plugd) and print the unit again to get PrivateTmp=yes back.',
        ]
      : ['PrivateTmp=yes']),
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictSUIDSGID=yes',
    'RestrictRealtime=yes',
    'RestrictNamespaces=yes',
    'LockPersonality=yes',
    'CapabilityBoundingSet=',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    'SystemCallArchitectures=native',
    '# MemoryDenyWriteExecute stays off: V8 compiles JavaScript to machine code as it runs.',
  ];
}

export function renderSystemdUnit(install: UnitInstall): string {
  const { home, userUnit } = install;
  const stopSeconds = Math.ceil(install.stopDeadlineMs / 1000) + STOP_MARGIN_SECONDS;
  const lines = [
    `# plugd, as installed at ${install.cli}; made by \`plugd systemd-unit${userUnit ? ' --user' : ''}\`.`,
    ...(install.homeExists ? [] : [`# Create the home before the first start: mkdir -m 0700 -p ${home}`]),
    '[Unit]',
    'Description=plugd plugin-host daemon',
    ...(userUnit ? [] : ['After=network.target']),
    '',
    '[Service]',
    '# plugd says READY=1 once every plugin has loaded or failed; after `plugd upgrade` its successor says MAINPID=.',
    'Type=notify',
    'NotifyAccess=all',
    `WatchdogSec=${WATCHDOG_SECONDS}`,
    `ExecStart=${[install.node, install.cli, 'start', '--foreground', '--home', home].map((word) => unitWord(word, true)).join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=1',
    '# SIGTERM is a graceful stop: stop accepting, drain calls, stop plugins.',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${stopSeconds}`,
    ...(userUnit || !install.user ? [] : [`User=${install.user}`]),
    'UMask=0077',
    'NoNewPrivileges=yes',
    ...(userUnit
      ? ['# The sandboxing options of the system unit need privileges a user manager lacks.']
      : hardening(install)),
    '',
    '[Install]',
    `WantedBy=${userUnit ? 'default.target' : 'multi-user.target'}`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * The socket unit beside the service: systemd binds the control socket and
 * hands it to plugd (LISTEN_FDS), which serves it and never removes it.
 */
export function renderSystemdSocket(install: UnitInstall): string {
  const lines = [
    `# plugd's control socket, held by systemd; made by \`plugd systemd-unit${install.userUnit ? ' --user' : ''}\`.`,
    '# More sockets (the TCP listener, metrics) go in units of their own named tcp or metrics.',
    '[Unit]',
    'Description=plugd control socket',
    '',
    '[Socket]',
    `ListenStream=${unitWord(join(install.home, 'plugd.sock'))}`,
    'FileDescriptorName=unix',
    'SocketMode=0600',
    'DirectoryMode=0700',
    ...(install.userUnit || !install.user ? [] : [`SocketUser=${install.user}`]),
    `Backlog=${SOCKET_BACKLOG}`,
    '',
    '[Install]',
    'WantedBy=sockets.target',
  ];
  return lines.join('\n') + '\n';
}

/** Both units, each after a line naming its file (`plugd systemd-unit` without `--only`). */
export function renderSystemdUnits(install: UnitInstall): string {
  return `### plugd.service\n${renderSystemdUnit(install)}\n### plugd.socket\n${renderSystemdSocket(install)}`;
}
