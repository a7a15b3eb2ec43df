// A plugin process ends with its daemon, however the daemon ends. Its IPC
// channel closing says so (process-runtime.ts listens for 'disconnect'), but a
// plugin whose event loop is blocked never hears it. The kernel's parent-death
// signal (through the addon) ends it all the same; without the addon, a small
// thread that watches who its parent is does.

import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadShm } from '../channel/shm.js';

const WATCH_PARENT = `const { workerData: daemon } = require('node:worker_threads');
setInterval(() => { if (process.ppid !== daemon) process.kill(process.pid, 'SIGKILL'); }, 500);`;

export function endWithDaemon(daemonPid: number): void {
  const shm = loadShm();
  if (shm) shm.endWithParent(constants.signals.SIGKILL);
  else
    new Worker(WATCH_PARENT, {
      eval: true,
      workerData: daemonPid,
      resourceLimits: { maxOldGenerationSizeMb: 8 },
    }).unref();
  // The daemon may have died before the signal was asked for.
  if (process.ppid !== daemonPid) process.kill(process.pid, 'SIGKILL');
}
