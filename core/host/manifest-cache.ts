// What a plugin declared at its last successful load (methods, schemas,
// hooks, signals, loops), kept beside its build in the home's cache and keyed
// by the build's hash: an onCall plugin is listed and routed from it without
// starting a worker (docs/ARCHITECTURE.md, "Activation on first call"). Only
// the latest is kept; a build it does not match loads once to learn its own.

import { join } from 'node:path';
import type { WorkerManifest } from '../channel/protocol.js';
import { buildFolder, privateFolder, readPrivate, writeAtomically } from './build-cache.js';

const MANIFEST = 'manifest.json';

interface ManifestRecord {
  hash: string;
  manifest: WorkerManifest;
}

/** The manifest `entry`'s build `hash` reported when it last loaded, if this daemon's cache holds it (trusted as build-cache.ts trusts a build). */
export function cachedManifest(cacheDir: string, entry: string, hash: string): WorkerManifest | undefined {
  try {
    const record = JSON.parse(
      readPrivate(join(buildFolder(cacheDir, entry), MANIFEST)) ?? 'null',
    ) as ManifestRecord | null;
    return record?.hash === hash && Array.isArray(record.manifest?.methods) ? record.manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Records what build `hash` of `entry` declared. Throws with the reason if the cache cannot be written. */
export function rememberManifest(cacheDir: string, entry: string, hash: string, manifest: WorkerManifest): void {
  const dir = buildFolder(cacheDir, entry);
  privateFolder(dir);
  writeAtomically(join(dir, MANIFEST), JSON.stringify({ hash, manifest } satisfies ManifestRecord));
}
