// Plugin sources the benchmarks write into a daemon's plugin folder. A
// versioned plugin answers `<name>.version` with the version it was written
// with, so a poller can tell the moment new code serves.

/** A plugin whose `version` method answers `version`, in plain JavaScript. */
function versionedJs(version: number): string {
  return `import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('version', { description: 'The version this file was written with.' }, () => ${version});
  },
});
`;
}

/** The same in TypeScript, typed from a TypeBox schema as an author would write it. */
function versionedTs(version: number): string {
  return `import { definePlugin, Type } from 'plugd/sdk';
const VERSION: number = ${version};
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method(
      'version',
      { description: 'The version this file was written with, plus offset.', params: Type.Object({ offset: Type.Optional(Type.Number()) }) },
      ({ offset }) => VERSION + (offset ?? 0),
    );
  },
});
`;
}

export interface VersionedPlugin {
  name: string;
  /** The files of version `version`, by path relative to the plugin folder. */
  files(version: number): Record<string, string>;
  /** The one file a new version rewrites (as an editor's save does). */
  source: string;
}

/** A single `NAME.plugin.js` file. */
export function singleFilePlugin(name: string): VersionedPlugin {
  const source = `${name}.plugin.js`;
  return { name, source, files: (version) => ({ [source]: versionedJs(version) }) };
}

/** A project folder as `plugd new` makes it: package.json naming a TypeScript entry, src/index.ts. */
export function projectPlugin(name: string): VersionedPlugin {
  const source = `${name}/src/index.ts`;
  const manifest = JSON.stringify({ name, version: '0.1.0', type: 'module', plugd: { entry: 'src/index.ts' } });
  return { name, source, files: (version) => ({ [`${name}/package.json`]: manifest, [source]: versionedTs(version) }) };
}

export interface PluginProbe {
  method: string;
  params?: unknown;
}

interface PluginSet {
  files: Record<string, string>;
  /** One call per plugin; all of them answering means every plugin serves. */
  probes: PluginProbe[];
}

const EXAMPLE_PROBES: PluginProbe[] = [{ method: 'echo.echo', params: { ping: 1 } }, { method: 'counter.count' }];

/** Ten plugins: the two examples (copy them with `examples: true`) and eight single TypeScript files. */
export function tenPlugins(): PluginSet {
  const files: Record<string, string> = {};
  const probes = [...EXAMPLE_PROBES];
  for (let index = 1; index <= 10 - EXAMPLE_PROBES.length; index++) {
    const name = `extra${index}`;
    files[`${name}.plugin.ts`] = versionedTs(index);
    probes.push({ method: `${name}.version` });
  }
  return { files, probes };
}

/** `count` single-file plugins of one method each, every one `activation: "onCall"` (config to pass with them). */
export function onCallPlugins(count: number): PluginSet & { config: object } {
  const files: Record<string, string> = {};
  const probes: PluginProbe[] = [];
  for (let index = 0; index < count; index++) {
    files[`lazy${index}.plugin.js`] = versionedJs(index);
    probes.push({ method: `lazy${index}.version` });
  }
  return { files, probes, config: { activation: 'onCall' } };
}

/** `count` single-file plugins of one method each, eager, each in a worker of its own or all in one shared worker. */
export function idlePlugins(count: number, sharedWorker?: string): PluginSet & { config: object } {
  const files: Record<string, string> = {};
  const probes: PluginProbe[] = [];
  const plugins: Record<string, object> = {};
  for (let index = 0; index < count; index++) {
    files[`idle${index}.plugin.js`] = versionedJs(index);
    probes.push({ method: `idle${index}.version` });
    if (sharedWorker !== undefined) plugins[`idle${index}`] = { sharedWorker };
  }
  return { files, probes, config: { plugins } };
}
