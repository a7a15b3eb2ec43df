// What the bundle of a plugin entry keeps of plain Node: the bundle lives in
// the daemon's build cache, yet each of the plugin's files still sees its own
// place (`import.meta.url`, `__dirname`, ...) and its packages still resolve
// from the plugin's folder, in ES modules and CommonJS alike.

import { isBuiltin } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Plugin as EsbuildPlugin } from 'esbuild';

/** Prefix of the per-file bindings that stand in for `import.meta.*`, `__dirname` and `__filename`. */
const OWN = '__plugd_own';

/**
 * esbuild's `define` is one table for the whole bundle, but it may name an
 * identifier, which then binds in each file's own scope: every file declares
 * its own bindings (`ownPlaceOf`) and esbuild renames them apart.
 */
export const ownPlaceDefines: Record<string, string> = {
  'import.meta.url': `${OWN}_url`,
  'import.meta.dirname': `${OWN}_dirname`,
  'import.meta.filename': `${OWN}_filename`,
  // Only free references: a file's own `const __dirname = ...` stays its own.
  __dirname: `${OWN}_dirname`,
  __filename: `${OWN}_filename`,
};

/**
 * The `require` of CommonJS code that esbuild leaves to Node (packages, a
 * computed `require(name)`): created for the entry, so it resolves from the
 * plugin's folder. esbuild keeps the plugin's own top-level `require` apart.
 */
export const requireBanner = (entry: string) =>
  `import{createRequire as ${OWN}_createRequire}from"node:module";const require=${OWN}_createRequire(${JSON.stringify(pathToFileURL(entry).href)});`;

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

/**
 * Declares each own file's bindings on its first line (after a `#!` line),
 * without a line break, so compile errors and the source map keep the
 * source's line numbers.
 * Bindings a file does not use are dropped by esbuild's tree shaking.
 */
export const ownPlace: EsbuildPlugin = {
  name: 'plugd-own-place',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const declaration = declarationOf(args.path);
      const at = declarationLine(text) === 1 ? 0 : text.indexOf('\n') + 1 || text.length;
      return {
        contents: text.slice(0, at) + declaration + text.slice(at),
        loader: LOADERS[extname(args.path)] ?? 'js',
      };
    });
  },
};

function declarationOf(path: string): string {
  const url = JSON.stringify(pathToFileURL(path).href);
  return `var ${OWN}_url=${url},${OWN}_dirname=${JSON.stringify(dirname(path))},${OWN}_filename=${JSON.stringify(path)};`;
}

/** The line the declaration goes on: the first, or the one after a `#!` line. */
function declarationLine(text: string): number {
  return text.startsWith('#!') ? 2 : 1;
}

/** Where esbuild's column on a file's declaration line is in the file itself. */
export function sourceColumn(path: string, line: number, column: number): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return column;
  }
  const length = declarationOf(path).length;
  return line === declarationLine(text) && column >= length ? column - length : column;
}

/**
 * `plugd/sdk` is the running daemon's SDK bundle (an ES module; CommonJS
 * reaches it through a re-export esbuild turns into `exports`). Packages stay
 * external, resolved now from the importing file, to absolute paths: the
 * bundle does not live where Node would look for them.
 */
export function resolveImports(sdkUrl: string): EsbuildPlugin {
  return {
    name: 'plugd-imports',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^plugd(\/sdk)?$/ }, (args) =>
        args.kind === 'require-call' ? { path: 'sdk', namespace: 'plugd-sdk' } : { path: sdkUrl, external: true },
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: 'plugd-sdk' }, () => ({
        contents: `export * from ${JSON.stringify(sdkUrl)};`,
      }));
      pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path === sdkUrl || isBuiltin(args.path)) return { path: args.path, external: true };
        if (args.pluginData === OWN) return undefined;
        const found = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: OWN,
        });
        // Not found: left as written, so Node reports it if that code runs (an optional dependency may never).
        if (found.errors.length || !found.path) return { path: args.path, external: true };
        // A `#name` of the plugin's own package.json `imports` maps to its own code: bundled like it.
        if (args.path.startsWith('#') && !found.path.includes('/node_modules/')) return { path: found.path };
        const byPath = args.kind === 'require-call' || args.kind === 'require-resolve';
        return { path: byPath ? found.path : pathToFileURL(found.path).href, external: true };
      });
    },
  };
}
