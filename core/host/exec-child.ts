// Starting a stdio plugin's process (exec-backend.ts): the pinned digest of
// the file it runs, the process with its config in its environment, and the
// reason it ended.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EXEC_PROTOCOL_VERSIONS } from './exec-discovery.js';
import { messageOf } from './errors.js';
import { coverInherited } from './inherited-fds.js';
import { cleanEnvironment } from './process-backend.js';
import { processIds } from './process-user.js';
import type { ProcessSettings } from './worker-backend.js';

export /** Why the file to run is not the one pinned (both digests named), or undefined. */
function digestProblem(entry: string, pinned: string, plugin: string): string | undefined {
  let actual: string;
  try {
    actual = createHash('sha256').update(readFileSync(entry)).digest('hex');
  } catch (error) {
    return `cannot check the sha256 of ${entry}: ${messageOf(error)}`;
  }
  return actual === pinned.toLowerCase()
    ? undefined
    : `sha256 of ${entry} is ${actual}, plugins.${plugin}.sha256 pins ${pinned.toLowerCase()}`;
}

export /** Why it ended, with its last word on stderr (a traceback's last line says what went wrong). */
function exitReason(code: number | null, signal: NodeJS.Signals | null, lastStderr: string): string {
  const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
  return lastStderr ? `${how} (stderr: ${lastStderr.slice(0, 200)})` : how;
}

/** The process, its config in its environment; throws what `spawn` or the user lookup throws. */
export function spawnExec(argv: string[], settings: ProcessSettings, name: string, config: unknown): ChildProcess {
  const ids = processIds(settings.user, settings.group);
  return spawn(argv[0], argv.slice(1), {
    cwd: settings.cwd,
    env: {
      ...cleanEnvironment(settings, ids),
      PLUGD_PROTOCOL_VERSIONS: EXEC_PROTOCOL_VERSIONS.join(','),
      PLUGD_PLUGIN_NAME: name,
      PLUGD_CONFIG: JSON.stringify(config ?? null),
    },
    stdio: coverInherited(['pipe', 'pipe', 'pipe']),
    // Its own process group: killing the group ends whatever it started.
    detached: true,
    ...ids,
  });
}
