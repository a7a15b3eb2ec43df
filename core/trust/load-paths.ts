// Where `plugins.load {path}` may load from: the plugin folder and the folders
// listed in `loadPaths`, nowhere else. Whoever holds the token runs code as
// the daemon's user; this keeps that code to folders the operator chose.
// Paths are compared after resolving symlinks, so a link cannot lead out.

import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path); // Missing: the loader reports that, with its own words.
  }
}

function isInside(target: string, root: string): boolean {
  const path = relative(root, target);
  return path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path);
}

/** Why `path` may not be loaded, or undefined when it lies in one of `roots`. */
export function loadPathRefusal(path: string, roots: readonly string[]): string | undefined {
  const target = real(resolve(path));
  if (roots.some((root) => isInside(target, real(root)))) return undefined;
  return `${path} is outside the plugin folder and loadPaths (${roots.join(', ')}): add its folder to loadPaths in plugd.json`;
}
