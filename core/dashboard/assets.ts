// The page's script and stylesheet, as `npm run build` bundles them from web/
// into dist/web/: read once, on first request.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

const FILES: Record<string, string> = {
  '/app.js': 'text/javascript; charset=utf-8',
  '/app.css': 'text/css; charset=utf-8',
};

const cache = new Map<string, Buffer>();

/** The asset at `path`, or undefined when there is none (or the build made none). */
export function readAsset(path: string): { type: string; body: Buffer } | undefined {
  const type = FILES[path];
  if (!type) return undefined;
  let body = cache.get(path);
  if (!body) {
    try {
      body = readFileSync(join(packageRoot, 'dist/web', path));
    } catch {
      return undefined;
    }
    cache.set(path, body);
  }
  return { type, body };
}
