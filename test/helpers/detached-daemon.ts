// For tests that start a detached daemon (`plugd start`): it is killed after
// the test, found by its pidfile, whatever happened.

import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killOnExit } from './daemon.js';

/** Kills whatever daemon `home` holds after the test, or when the test process exits (a timed-out test runs no teardown). */
export function cleanUpDaemonOf(t: ExecutionContext, home: string): void {
  const kill = () => {
    try {
      process.kill(Number(readFileSync(join(home, 'plugd.pid'), 'utf8')), 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  t.teardown(kill);
  killOnExit(kill);
}
