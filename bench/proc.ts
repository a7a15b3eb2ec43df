// What Linux's /proc says about another process: its resident memory and the
// CPU time of all its threads (a daemon's plugin workers included).

import { readdirSync, readFileSync } from 'node:fs';

export const MIB = 1024 * 1024;

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ, 100 on every Linux that Node supports). */
const TICKS_PER_SECOND = 100;

/** VmRSS of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** The parent pid of `pid`, or undefined once it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `pid` and every process under it (a daemon's plugin processes). */
function processTree(pid: number): number[] {
  const pids = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
  const tree = new Set([pid]);
  // Parents come before their children often but not always: repeat until nothing joins.
  for (let grew = true; grew;) {
    grew = false;
    for (const candidate of pids) {
      const parent = parentOf(candidate);
      if (tree.has(candidate) || parent === undefined || !tree.has(parent)) continue;
      tree.add(candidate);
      grew = true;
    }
  }
  return [...tree];
}

/** VmRSS of `pid` and every process under it, in bytes: pages they share (Node's own code) counted in each. */
export function treeRssBytes(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + rssBytes(member), 0);
}

/** Proportional set size of `pid` and every process under it, in bytes: each shared page counted once in all. */
export function treePssBytes(pid: number): number {
  const pss = (member: number) =>
    Number(/^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${member}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
  return processTree(pid).reduce((sum, member) => sum + pss(member), 0);
}

/**
 * Resident bytes of the `[heap]` mapping of `pid`: glibc's brk heap, where
 * native allocations of the main thread live (not V8's heap, which is mmap'd).
 * It only shrinks from its top, so fragmentation shows here first.
 */
export function brkHeapBytes(pid: number): number {
  const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const match = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(smaps);
  return match ? Number(match[1]) * 1024 : 0;
}

/** User plus system CPU seconds `pid` has used so far, over all its threads. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its ")" are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [fields[11], fields[12]].map(Number);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** Busy and total jiffies of all CPUs together, from /proc/stat. */
function cpuJiffies(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** The share of the whole machine's CPU in use (by anyone) over the next `ms` milliseconds. */
export async function machineBusyShare(ms: number): Promise<number> {
  const before = cpuJiffies();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuJiffies();
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}
