// The method names of comodojo/daemon, kept working for its users: each is
// the same registry entry as plugd's own method, under the old name.

import type { MethodRegistry } from './registry.js';

const ALIASES = {
  'worker.list': 'plugins.list',
  'worker.status': 'plugins.status',
  'worker.pause': 'plugins.pause',
  'worker.resume': 'plugins.resume',
  'daemon.shutdown': 'daemon.stop',
} as const;

export function registerCompatAliases(registry: MethodRegistry): void {
  for (const [alias, target] of Object.entries(ALIASES)) {
    const entry = registry.get(target)!;
    registry.add({ ...entry, name: alias, description: `${entry.description} (comodojo/daemon's name for ${target})` });
  }
}
