// `npm run bundle` (after tsc): the single files plugd runs, besides tsc's
// output; core/package-root.ts names each of them (`built.*`). One file loads
// several times faster than a tree of modules and leaves less behind in
// memory (Ajv as 63 modules cost the daemon 6 MB more than as one file).

import { rmSync } from 'node:fs';
import { build } from 'esbuild';

/** CommonJS packages bundled into an ES module still call `require`: Node's, made for the bundle. */
const banner = {
  js: "import{createRequire as __plugdRequire}from'node:module';const require=__plugdRequire(import.meta.url);",
};
const forNode = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
const esModule = { ...forNode, format: 'esm', banner };

rmSync('dist/cli', { recursive: true, force: true });
await Promise.all([
  // The CLI and the daemon it runs, in chunks that load as a command needs them. esbuild stays a
  // package: the daemon starts its binary to compile plugins.
  build({
    ...esModule,
    entryPoints: ['dist/core/cli/main.js'],
    splitting: true,
    external: ['esbuild'],
    outdir: 'dist/cli',
    entryNames: 'plugd',
    chunkNames: 'chunks/[hash]',
  }),
  // The entries of plugin workers: threads, and processes of their own.
  build({ ...esModule, entryPoints: ['dist/core/worker/runtime.js'], outfile: 'dist/core/worker/runtime.bundle.mjs' }),
  build({
    ...esModule,
    entryPoints: ['dist/core/worker/process-runtime.js'],
    outfile: 'dist/core/worker/process-runtime.bundle.mjs',
  }),
  // `plugd/sdk` as plugins import it, TypeBox included.
  build({ ...esModule, entryPoints: ['dist/sdk/index.js'], outfile: 'dist/sdk/sdk.bundle.mjs' }),
  // The dashboard's page.
  build({
    entryPoints: ['web/main.tsx'],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
    outfile: 'dist/web/app.js',
  }),
  // Packages loaded at their first use: Ajv when the first schema compiles; in a plugin worker, pino when the
  // plugin first logs and tapable when it first taps a hook.
  build({
    ...forNode,
    format: 'cjs',
    minify: true,
    entryPoints: ['node_modules/ajv/dist/ajv.js'],
    outfile: 'dist/vendor/ajv.cjs',
  }),
  build({ ...forNode, format: 'cjs', entryPoints: ['node_modules/pino/pino.js'], outfile: 'dist/vendor/pino.cjs' }),
  build({
    ...forNode,
    format: 'cjs',
    entryPoints: ['node_modules/tapable/lib/index.js'],
    outfile: 'dist/vendor/tapable.cjs',
  }),
]);
