// `plugd new --file NAME`: a single-file plugin, NAME.plugin.ts, and beside it
// (unless one is there) a tsconfig.json whose `paths` resolve `plugd/sdk` to
// this plugd's types, so the file type-checks in an editor and under `tsc`
// with nothing installed in the folder. The daemon needs neither: it bundles
// the file and gives it its own `plugd/sdk` at load.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverPlugins, validatePluginName } from '../host/discovery.js';
import { packageRoot } from '../package-root.js';
import { ExistsError, InvalidInputError } from '../contract/errors.js';

const SOURCE = `// A plugd plugin in one file. The daemon compiles it when it loads it; the
// tsconfig.json beside it gives editors and tsc the types of plugd/sdk.
import { definePlugin, Type } from 'plugd/sdk';

export default definePlugin({
  setup(ctx) {
    ctx.rpc.method(
      'greet',
      { description: 'Greets someone by name.', params: Type.Object({ name: Type.String({ minLength: 1 }) }) },
      // ctx.config is plugins.NAME.config of plugd.json ({} when unset).
      ({ name }) => \`\${String(ctx.config.greeting ?? 'hello')}, \${name}!\`,
    );
    // ctx.dir is the folder holding this file: read files shipped with the plugin from there, not from process.cwd().
    ctx.onShutdown(() => ctx.log.info('goodbye'));
  },
});
`;

/** Writes `dir/NAME.plugin.ts` (and `dir/tsconfig.json` if missing); returns what it wrote. */
export function createPluginFile(name: string, dir: string): string[] {
  const problem = validatePluginName(name);
  if (problem) throw new InvalidInputError(problem);
  const file = join(dir, `${name}.plugin.ts`);
  if (existsSync(file)) throw new ExistsError(`${file} already exists`);
  const taken = discoverPlugins(dir).plugins.find((plugin) => plugin.name === name);
  if (taken) throw new ExistsError(`a plugin named "${name}" is already in ${dir}: ${taken.path}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, SOURCE);
  const written = [file];
  const tsconfig = join(dir, 'tsconfig.json');
  if (!existsSync(tsconfig)) {
    writeFileSync(tsconfig, JSON.stringify(editorConfig(), null, 2) + '\n');
    written.push(tsconfig);
  }
  return written;
}

/** Type-checking only (the daemon builds): `plugd/sdk` from this plugd, and Node's types where this plugd has them. */
function editorConfig(): object {
  const sdk = (path: string) => [join(packageRoot, 'dist', 'sdk', path)];
  const nodeTypes = join(packageRoot, 'node_modules', '@types');
  return {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      paths: { 'plugd/sdk': sdk('index.d.ts'), 'plugd/sdk/testing': sdk('testing.d.ts') },
      ...(existsSync(join(nodeTypes, 'node')) && { typeRoots: [nodeTypes, './node_modules/@types'], types: ['node'] }),
    },
    include: ['*.plugin.ts', '*.plugin.mts', '*.plugin.cts'],
  };
}
