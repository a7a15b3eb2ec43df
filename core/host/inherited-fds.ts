// The daemon's descriptors that a plugin process would inherit. Node opens its
// own with close-on-exec, but a daemon started with an extra open descriptor
// (fd 40 on a secret, a socket a supervisor left open) passes it to every
// child at its number. Each one found is covered in the child's `stdio` by
// /dev/null, so at that number the plugin finds nothing of the daemon's.

import { openSync, readFileSync, readdirSync } from 'node:fs';
import type { StdioNull, StdioPipe } from 'node:child_process';

/** O_CLOEXEC as /proc/PID/fdinfo prints it (octal flags). */
const CLOSE_ON_EXEC = 0o2000000;

type Stdio = StdioNull | StdioPipe | 'ipc' | number;

let devNull: number | undefined;

/** `stdio` with /dev/null at every number the daemon holds without close-on-exec, beyond what `stdio` already gives. */
export function coverInherited(stdio: Stdio[]): Stdio[] {
  const covered = [...stdio];
  for (const fd of inheritable()) {
    if (fd < covered.length && covered[fd] !== 'ignore' && covered[fd] !== undefined) continue;
    devNull ??= openSync('/dev/null', 'r');
    while (covered.length < fd) covered.push('ignore');
    covered[fd] = devNull;
  }
  return covered;
}

/** The daemon's descriptors above standard error without close-on-exec (none where there is no /proc). */
function inheritable(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  return entries
    .map(Number)
    .filter((fd) => fd > 2)
    .filter((fd) => {
      try {
        const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
        return flags !== null && (parseInt(flags[1], 8) & CLOSE_ON_EXEC) === 0;
      } catch {
        return false; // Closed meanwhile (the listing's own descriptor).
      }
    });
}
