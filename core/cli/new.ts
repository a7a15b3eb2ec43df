// `plugd new <name> [--dir DIR] [--lang python]`: creates a plugin from
// plugin-template/ with its name filled in and a `file:` dependency on this
// very plugd (its SDK types, its test harness and `npx plugd`), or, in Python,
// from plugin-template-python/ with sdk-python/plugd.py copied beside it;
// then prints the steps to a served call.

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { homePaths, resolveHome } from '../home/paths.js';
import { discoverPlugins, validatePluginName } from '../host/discovery.js';
import { packageRoot } from '../package-root.js';
import { createPluginFile } from './new-file.js';
import { RpcClient } from './client.js';
import { ExistsError, hasCode, InvalidInputError, PlugdErrorCode } from '../contract/errors.js';

const TEMPLATE = join(packageRoot, 'plugin-template');
/** `--lang python`: a stdio plugin (docs/PROTOCOL.md), with plugd's one-file Python SDK copied beside it. */
const PYTHON_TEMPLATE = join(packageRoot, 'plugin-template-python');
const PYTHON_SDK = join(packageRoot, 'sdk-python', 'plugd.py');
/** The languages `plugd new --lang` scaffolds. */
export const LANGUAGES = ['js', 'python'] as const;
export type Language = (typeof LANGUAGES)[number];
/** Stands for the plugin's name in every template file. */
const NAME_PLACEHOLDER = '__PLUGIN_NAME__';
/** npm leaves a package's .gitignore out of its tarball, so the template ships it under another name. */
const RENAMED_ON_COPY: Record<string, string> = { gitignore: '.gitignore' };
/** npm's limit on a package name's length. */
const MAX_NPM_NAME_LENGTH = 214;

/** Creates plugin `name` from the template (in the daemon's plugin folder unless `dir`) and prints what to do next. */
export async function newPlugin(
  name: string,
  options: { home?: string; dir?: string; lang?: string; file?: boolean },
): Promise<void> {
  const lang = options.lang ?? 'js';
  if (!(LANGUAGES as readonly string[]).includes(lang))
    throw new InvalidInputError(`--lang takes one of ${LANGUAGES.join(', ')}, not "${lang}"`);
  if (options.file && lang !== 'js')
    throw new InvalidInputError('--file writes a single-file TypeScript plugin; it does not combine with --lang');
  const pluginDir = await servedPluginFolder(options.home);
  const dir = options.dir === undefined ? pluginDir : resolve(options.dir);
  if (options.file) {
    process.stdout.write(
      createPluginFile(name, dir)
        .map((path) => `created ${path}\n`)
        .join(''),
    );
    return;
  }
  const folder = createPlugin(name, dir, lang as Language);
  process.stdout.write(
    nextSteps({ name, folder, dir, servedByDaemon: dir === pluginDir, home: options.home, lang: lang as Language }),
  );
}

/**
 * The plugin folder of the home's daemon: the running daemon's own (it may
 * have been started with --plugins), else the one its config names.
 */
async function servedPluginFolder(home: string | undefined): Promise<string> {
  let client: RpcClient;
  try {
    client = await RpcClient.connect(homePaths(resolveHome(home)).socket);
  } catch (error) {
    if (hasCode(error, PlugdErrorCode.NOT_RUNNING)) return loadConfig({ home }).pluginDir;
    throw error;
  }
  try {
    return (await client.call<{ pluginDir: string }>('daemon.status')).pluginDir;
  } finally {
    client.close();
  }
}

/** Copies the template into `dir/name`; refuses a bad name or a taken one. Returns the new folder. */
function createPlugin(name: string, dir: string, lang: Language): string {
  const problem = nameProblem(name);
  if (problem) throw new InvalidInputError(problem);
  const folder = join(dir, name);
  if (existsSync(folder)) throw new ExistsError(`${folder} already exists`);
  const taken = discoverPlugins(dir).plugins.find((plugin) => plugin.name === name);
  if (taken) throw new ExistsError(`a plugin named "${name}" is already in ${dir}: ${taken.path}`);

  const template = lang === 'python' ? PYTHON_TEMPLATE : TEMPLATE;
  for (const file of templateFiles(template)) {
    const target = join(folder, dirname(file), RENAMED_ON_COPY[basename(file)] ?? basename(file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readFileSync(join(template, file), 'utf8').replaceAll(NAME_PLACEHOLDER, name));
  }
  if (lang === 'python') copyFileSync(PYTHON_SDK, join(folder, basename(PYTHON_SDK)));
  else dependOnThisPlugd(join(folder, 'package.json'));
  return folder;
}

/** Why `name` cannot name a new plugin: it must be a plugin name plugd accepts and a valid name for a new npm package. */
function nameProblem(name: string): string | undefined {
  return validatePluginName(name) ?? npmNameProblem(name);
}

/** npm's rules for a new package's name, those a valid plugin name does not already meet. */
function npmNameProblem(name: string): string | undefined {
  const invalid = (reason: string) => `"${name}" is not a valid npm package name: ${reason}`;
  if (name !== name.toLowerCase()) return invalid('npm names are lowercase');
  if (name.length > MAX_NPM_NAME_LENGTH) return invalid(`npm names are at most ${MAX_NPM_NAME_LENGTH} characters`);
  if (name === 'node_modules') return invalid('npm reserves it');
  if (builtinModules.includes(name)) return invalid('it is the name of a Node.js core module');
  return undefined;
}

/** The template's files, relative to it. Dependencies and build output, if someone ran the template in place, stay behind. */
function templateFiles(template: string, dir = ''): string[] {
  return readdirSync(join(template, dir), { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === '__pycache__' || entry.name.startsWith('.')) return [];
    const file = join(dir, entry.name);
    return entry.isDirectory() ? templateFiles(template, file) : [file];
  });
}

/** Points the plugin's `plugd` dev dependency at this installation (edited as JSON: a path may need escaping). */
function dependOnThisPlugd(manifestPath: string): void {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.devDependencies.plugd = `file:${packageRoot}`;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}

interface NextStepsOptions {
  name: string;
  folder: string;
  dir: string;
  /** Whether `dir` is the plugin folder of the daemon of this home. */
  servedByDaemon: boolean;
  /** The home given with --home, if any: the printed commands need it too. */
  home?: string;
  lang: Language;
}

/** The commands from here to a served call, each runnable as printed (`npx plugd` is the plugin's own dev dependency). */
function nextSteps({ name, folder, dir, servedByDaemon, home, lang }: NextStepsOptions): string {
  const plugd = home === undefined ? 'npx plugd' : `npx plugd --home ${shellWord(resolveHome(home))}`;
  const serve = servedByDaemon
    ? `${plugd} reload            # or: ${plugd} start, if the daemon is not running`
    : `${plugd} start --plugins ${shellWord(dir)}`;
  return [
    `created plugin ${name} in ${folder}`,
    '',
    'next:',
    `  cd ${shellWord(folder)}`,
    ...(lang === 'python' ? ['  python3 -m unittest'] : ['  npm install', '  npm test']),
    `  ${serve}`,
    `  ${plugd} call ${name}.greet '{"name":"you"}'`,
    '',
  ].join('\n');
}

/** `text` as one shell word: as it is when that is safe, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
