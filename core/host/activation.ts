// When an onCall plugin cannot wait for its first call: what it declared needs
// a worker running from the start (a hook tap or a signal listener hears
// events whether or not anyone calls; a loop runs on its own).

import type { WorkerManifest } from '../channel/protocol.js';

/** Why a plugin must run eagerly whatever it asks, or undefined if it may start on its first call. */
export function eagerReason(manifest: WorkerManifest): string | undefined {
  if (manifest.hooks.length > 0) return `it taps hooks (${manifest.hooks.join(', ')})`;
  if (manifest.signals.length > 0) return `it listens to signals (${manifest.signals.join(', ')})`;
  if (manifest.loops) return `it runs ${manifest.loops === 1 ? 'a loop' : `${manifest.loops} loops`}`;
  return undefined;
}
