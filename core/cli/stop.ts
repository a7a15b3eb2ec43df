// `plugd stop`: SIGTERM to the daemon named by the pidfile, then wait for it
// to be gone (it drains in-flight calls and stops its plugins first). A
// pidfile naming a process that is not plugd is stale: nothing is signalled.

import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HomePaths } from '../paths.js';
import { readPid } from '../pidfile.js';
import { isProcessAlive } from '../process-alive.js';
import { isPlugdProcess } from '../plugd-process.js';
import { NotRunningError } from './client.js';

const STOP_WAIT_MS = 60_000;

export async function stop(paths: HomePaths): Promise<void> {
  const pid = readPid(paths.pidfile);
  if (pid === undefined || !(await isPlugdProcess(pid, paths.socket))) throw new NotRunningError(paths.socket);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (isProcessAlive(pid) && existsSync(paths.pidfile)) {
    if (Date.now() > deadline) throw new Error(`plugd (pid ${pid}) did not stop within ${STOP_WAIT_MS / 1000} s`);
    await sleep(25);
  }
  process.stdout.write(`plugd stopped (pid ${pid})\n`);
}
