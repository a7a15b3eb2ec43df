// Whether a live pid is a plugd daemon. A pidfile left by an unclean death may
// name a pid the system has since given to an unrelated process; `start` must
// not refuse because of it, and `stop` must never signal it. A pid counts as
// plugd when the home's socket answers with that pid, or when its command
// line is plugd's.

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { basename } from 'node:path';
import { isProcessAlive } from './process-alive.js';

/** How long a daemon's socket may take to answer `daemon.status`. */
const PROBE_TIMEOUT_MS = 2000;

function commandLineIsPlugd(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // `node …/plugd.js start`, or the installed bin `plugd`.
    return args.slice(0, 3).some((arg) => /^plugd(\.js)?$/.test(basename(arg)));
  } catch {
    return false;
  }
}

/** The pid the daemon on `socket` reports, if one answers. */
export function socketDaemonPid(socket: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const client = connect(socket);
    let text = '';
    const done = (pid: number | undefined) => {
      clearTimeout(timer);
      client.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), PROBE_TIMEOUT_MS);
    client.on('error', () => done(undefined));
    client.on('connect', () => client.write('{"jsonrpc":"2.0","method":"daemon.status","id":1}\n'));
    client.on('data', (chunk) => {
      text += chunk;
      if (!text.includes('\n')) return;
      try {
        const pid = JSON.parse(text.slice(0, text.indexOf('\n')))?.result?.pid;
        done(typeof pid === 'number' ? pid : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}

export async function isPlugdProcess(pid: number, socket: string): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  return commandLineIsPlugd(pid) || (await socketDaemonPid(socket)) === pid;
}
