// Reads V8 .cpuprofile files (from `node --cpu-prof`) and ranks where the CPU
// went by self time: per function, and per origin (a package, Node's own
// modules, plugd's files, native code), so start-up costs show as clearly as
// hot loops. Several profiles (e.g. every worker of a run) can be merged.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  label: string;
  selfMs: number;
  /** Share of the busy (not idle) sampled time. */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: Hotspot[];
  origins: Hotspot[];
}

const IDLE = '(idle)';

export function summarizeProfiles(paths: string[], count: number): ProfileSummary {
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const path of paths) {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    profile.samples.forEach((nodeId, index) => {
      const frame = frames.get(nodeId)!;
      const deltaUs = profile.timeDeltas[index] ?? 0;
      if (frame.functionName === IDLE) {
        idleUs += deltaUs;
        return;
      }
      busyUs += deltaUs;
      const file = frame.url ? shortPath(frame.url) : '';
      const name = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + deltaUs);
      const origin = originOf(file, frame.functionName);
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + deltaUs);
    });
  }
  const rank = (totals: Map<string, number>): Hotspot[] =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([label, us]) => ({ label, selfMs: us / 1000, share: us / Math.max(1, busyUs) }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions: rank(byFunction), origins: rank(byOrigin) };
}

/** A path inside node_modules or the project, shortened to what identifies it. */
function shortPath(url: string): string {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules !== -1) return path.slice(inModules + 'node_modules/'.length);
  const inProject = path.search(/\/(dist|core|sdk|bench|plugins)\//);
  return inProject !== -1 ? path.slice(inProject + 1) : path;
}

/** Who the time belongs to: a package, a plugd folder, Node's own JavaScript, or native code. */
function originOf(file: string, functionName: string): string {
  if (!file) return functionName.startsWith('(') ? functionName : 'native (C++ bindings, syscalls)';
  if (file.startsWith('node:')) return "node's own modules";
  const parts = file.split('/');
  if (parts[0] === 'dist') return `plugd ${parts.slice(0, 3).join('/')}`;
  if (file.includes('cache/builds/')) return 'the plugin';
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}
