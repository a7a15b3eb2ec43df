// What a stdio plugin has in place of a build: nothing is compiled, but a
// reload must still tell whether anything changed, and the watcher which
// files to follow. Its hash covers the command line and every file of its
// folder (a Python package is more than its main.py), or its single file.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledPlugin } from './build-cache.js';
import type { PluginSource } from './discovery.js';

/** Folders that hold no source of the plugin's: caches, dependencies, virtual environments. */
const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'venv', 'target']);
/** A folder with more files than this is hashed by its first ones: a reload of such a plugin may need `--force`. */
const MAX_FILES = 2000;

export function execBuild(source: PluginSource & { exec: string[] }): CompiledPlugin {
  const files = statSync(source.path).isDirectory() ? folderFiles(source.path) : [source.path];
  const inputs = [source.entry, ...files.filter((file) => file !== source.entry)];
  const hash = createHash('sha256').update(JSON.stringify(source.exec));
  for (const file of inputs) {
    try {
      hash.update('\0').update(file).update('\0').update(readFileSync(file));
    } catch {
      // Gone between the listing and the read: the watcher reports it again.
    }
  }
  return { url: pathToFileURL(source.entry).href, hash: hash.digest('hex').slice(0, 16), inputs };
}

function folderFiles(root: string): string[] {
  const files: string[] = [];
  const pending = [root];
  for (let dir = pending.pop(); dir !== undefined && files.length < MAX_FILES; dir = pending.pop()) {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) pending.push(join(dir, entry.name));
      else if (entry.isFile()) files.push(join(dir, entry.name));
    }
  }
  return files.sort();
}
