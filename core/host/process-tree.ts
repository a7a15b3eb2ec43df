// Everything a plugin process started ends with it. Each plugin process leads
// a process group of its own (spawned detached) and is a subreaper of what its
// children leave orphaned (core/worker/process-guard.ts), so at its end the daemon
// finds its whole tree under its pid in /proc, detached grandchildren in
// sessions of their own included, and kills it, then its group.

import { readFileSync, readdirSync } from 'node:fs';

/** Rounds of finding and killing: a tree that forks while it is killed needs more than one. */
const MAX_ROUNDS = 10;

/** Kills every descendant of `pid`, stopping `pid` first so it starts no more; then its process group. `pid` itself is the caller's. */
export function killDescendants(pid: number): void {
  signal(pid, 'SIGSTOP');
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const below = descendantsOf(pid);
    if (below.length === 0) break;
    for (const child of below) signal(child, 'SIGKILL');
  }
  killGroup(pid);
}

/** Kills what is left of the process group `pid` leads (after it died, its children that stayed in its group). */
export function killGroup(pid: number): void {
  signal(-pid, 'SIGKILL');
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}

/** Every process below `pid`, by the parent each one's /proc/PID/stat names. */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let parent: number;
    try {
      // The fields after the command (which may hold spaces and parentheses): state, then the parent's pid.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      continue; // Gone meanwhile.
    }
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let pending = [pid]; pending.length;) {
    const next = children.get(pending.pop()!) ?? [];
    found.push(...next);
    pending.push(...next);
  }
  return found;
}
