// Busy processes beside a test, as a loaded machine has them: each spins one
// core (`for(;;){}`) until the test ends. With 8 on 2 cores, a test shows that
// its daemon and workers stay fair (event loops that turn, heartbeats that
// beat) when they get a fraction of a core. Slow: use them in few tests.

import { spawn } from 'node:child_process';
import { killOnExit, type Owner } from './daemon.js';

/** How many burners the fault suite runs beside it when PLUGD_TEST_BURNERS asks (e.g. PLUGD_TEST_BURNERS=8). */
export const SUITE_BURNERS = Number(process.env.PLUGD_TEST_BURNERS ?? 0);

/** Starts `count` busy processes, ended when `owner` ends (its teardown, or the test process's exit). */
export function startBurners(owner: Owner, count = 8): () => void {
  const burners = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
  );
  const stop = (): void => {
    for (const burner of burners) if (burner.exitCode === null && burner.signalCode === null) burner.kill('SIGKILL');
  };
  const forget = killOnExit(stop);
  const end = (): void => {
    stop();
    forget();
  };
  if (typeof owner === 'function') owner(end);
  else owner.teardown(end);
  return end;
}
