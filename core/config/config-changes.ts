// What a re-read `plugd.json` (SIGHUP, `daemon.reload`) changes in a running
// daemon. The daemon-wide keys are sorted here, once: those applied in place,
// and those held by something made at start (a listener, the metrics server,
// the spare pool), which keep their old value and are reported as needing a
// restart. Per-plugin settings (`plugins.<name>`, `isolation`, `supervision`,
// `channel`, `limits.maxInFlightPerPlugin`) are compared per plugin by the
// host, which reloads each plugin whose own settings changed.

import type { ConfigChanges } from '../contract/plugin-status.js';
import type { Config, Limits } from './config.js';

/** Held by what was made at start from them: the listeners, the dashboard's sessions, the metrics server, the priority, the spare pool. */
const RESTART_KEYS = [
  'tcp',
  'tcpAllowRemote',
  'tcpTls',
  'dashboard',
  'metrics',
  'niceness',
  'spareWorker',
] as const satisfies ReadonlyArray<keyof Config>;

/** The limits the connections were made with; the others are read per plugin or per log line. */
const LIVE_LIMITS: ReadonlyArray<keyof Limits> = [
  'maxInFlightPerPlugin',
  'pluginLogLinesPerSecond',
  'maxMethodsPerPlugin',
  'maxSchemaBytes',
  'maxSchemaDepth',
];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The config to run with after a re-read: `next`, except what needs a restart,
 * which keeps its `current` value; and the names of what changed, sorted.
 */
export function reconcileConfig(current: Config, next: Config): { config: Config; changes: ConfigChanges } {
  const changes: ConfigChanges = { applied: [], needsRestart: [] };
  const config: Config = { ...next, limits: { ...next.limits } };
  for (const key of Object.keys(next) as Array<keyof Config>) {
    if (key === 'limits' || same(current[key], next[key])) continue;
    if ((RESTART_KEYS as ReadonlyArray<string>).includes(key)) {
      changes.needsRestart.push(key);
      (config as unknown as Record<string, unknown>)[key] = current[key];
    } else {
      changes.applied.push(key);
    }
  }
  for (const key of Object.keys(next.limits) as Array<keyof Limits>) {
    if (current.limits[key] === next.limits[key]) continue;
    if (LIVE_LIMITS.includes(key)) {
      changes.applied.push(`limits.${key}`);
    } else {
      changes.needsRestart.push(`limits.${key}`);
      config.limits[key] = current.limits[key];
    }
  }
  changes.applied.sort();
  changes.needsRestart.sort();
  return { config, changes };
}
