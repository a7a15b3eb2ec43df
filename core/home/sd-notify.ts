// Telling systemd how the daemon is (sd_notify(3)): READY=1 once every plugin
// found at start has loaded or failed, STATUS= with the counts, RELOADING=1
// around a rescan, STOPPING=1, MAINPID= from an upgrade's successor, and
// WATCHDOG=1 from the event loop at half of WATCHDOG_USEC. Only under systemd
// (NOTIFY_SOCKET set); the datagram goes through the addon (native/sab-shm),
// since Node has no unix datagram sockets.

import { loadShm, shmMissingReason } from '../channel/shm.js';

export interface SystemdNotifier {
  /** Sends `NAME=VALUE` lines; a failure is logged, never thrown (systemd is told, not asked). */
  send(fields: Record<string, string | number>): void;
  /** Starts WATCHDOG=1 pings if systemd asked for them (WATCHDOG_USEC, for this pid). */
  startWatchdog(): void;
  stop(): void;
}

/** The figures STATUS= shows. */
export function statusText(ready: number, failed: number): string {
  return `${ready} plugin${ready === 1 ? '' : 's'} ready, ${failed} failed`;
}

/** The watchdog interval systemd asked of this process, in ms, or undefined. */
function watchdogIntervalMs(env: NodeJS.ProcessEnv): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isInteger(usec) || usec <= 0) return undefined;
  // WATCHDOG_PID names the process meant; absent, it is whoever reads it.
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== process.pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

const SILENT: SystemdNotifier = { send: () => undefined, startWatchdog: () => undefined, stop: () => undefined };

/**
 * A notifier for this process: silent outside systemd; without the addon it
 * says once, in `warn`, that systemd cannot be told anything.
 */
export function systemdNotifier(warn: (message: string) => void, env = process.env): SystemdNotifier {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return SILENT;
  const addon = loadShm();
  if (!addon) {
    warn(`systemd notification is unavailable (NOTIFY_SOCKET is set): ${shmMissingReason()}`);
    return SILENT;
  }
  let watchdog: NodeJS.Timeout | undefined;
  const send = (fields: Record<string, string | number>) => {
    // One line per field; a value cannot break a line of its own.
    const text = Object.entries(fields)
      .map(([name, value]) => `${name}=${String(value).replace(/\n/g, ' ')}`)
      .join('\n');
    try {
      addon.notify(socket, text);
    } catch (error) {
      warn(`systemd notification failed: ${(error as Error).message}`);
    }
  };
  return {
    send,
    startWatchdog() {
      const intervalMs = watchdogIntervalMs(env);
      if (intervalMs === undefined || watchdog) return;
      watchdog = setInterval(() => send({ WATCHDOG: 1 }), intervalMs);
      // The pings prove the loop turns; they must not keep a stopping daemon alive.
      watchdog.unref();
      send({ WATCHDOG: 1 });
    },
    stop() {
      clearInterval(watchdog);
      watchdog = undefined;
    },
  };
}
