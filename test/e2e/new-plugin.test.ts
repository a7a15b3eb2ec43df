// What a new plugin author does, with the built CLI: `plugd new`, the generated
// plugin's own `npm install` and `npm test`, a daemon serving it, an edit, a
// reload, and the new answer.

import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeHome, ROOT, runCli, startDaemon, writePlugin } from '../helpers/daemon.js';

/** Runs a command as a user's shell would: without the npm_* variables of the `npm test` running this test. */
function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => done({ code, output }));
  });
}

test('plugd new creates the plugin in the plugin folder by default, and refuses bad or taken names with one line', async (t) => {
  const { home, pluginDir } = makeHome(t);
  writePlugin(pluginDir, 'solo.plugin.ts', 'export default { setup() {} };\n');

  const created = await runCli(['--home', home, 'new', 'hello']);
  t.is(created.code, 0, created.stderr);
  const folder = join(pluginDir, 'hello');
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  t.is(manifest.name, 'hello');
  t.is(manifest.devDependencies.plugd, `file:${resolve(ROOT)}`);
  t.true(existsSync(join(folder, '.gitignore')) && !existsSync(join(folder, 'gitignore')));
  t.true(readFileSync(join(folder, 'README.md'), 'utf8').includes('npx plugd call hello.greet \'{"name":"you"}\''));
  t.true(created.stdout.includes(`\n  npx plugd --home ${home} reload `), created.stdout);

  const refusals: Array<[string, string]> = [
    ['Hello', '"Hello" is not a valid npm package name: npm names are lowercase'],
    ['my plugin', '"my plugin" is not a valid plugin name'],
    ['system', '"system" is reserved'],
    ['hello', `${folder} already exists`],
    ['solo', `a plugin named "solo" is already in ${pluginDir}`],
  ];
  const answers = await Promise.all(refusals.map(([name]) => runCli(['--home', home, 'new', name])));
  refusals.forEach(([name, reason], i) => {
    const refused = answers[i];
    t.is(refused.code, 1, name);
    t.true(refused.stderr.startsWith(reason), refused.stderr);
    t.is(refused.stderr.split('\n').length, 2, `one line for ${name}`);
    t.is(refused.stdout, '');
  });
});

test('from plugd new to a served call: the plugin builds and tests on its own, and an edited source answers after a reload', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-new-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const folder = join(dir, 'hello');

  const created = await runCli(['new', 'hello', '--dir', dir], { PLUGD_HOME: makeHome(t).home });
  t.is(created.code, 0, created.stderr);
  t.is(
    created.stdout,
    [
      `created plugin hello in ${folder}`,
      '',
      'next:',
      `  cd ${folder}`,
      '  npm install',
      '  npm test',
      `  npx plugd start --plugins ${dir}`,
      `  npx plugd call hello.greet '{"name":"you"}'`,
      '',
    ].join('\n'),
  );

  // --ignore-scripts: npm runs the `prepare` of a file: dependency, and plugd's
  // would rebuild dist/ under the feet of the tests running beside this one.
  const install = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    folder,
  );
  t.is(install.code, 0, install.output);
  const tests = await run('npm', ['test'], folder);
  t.is(tests.code, 0, tests.output);
  t.regex(tests.output, /^# pass [1-9]/m);

  const daemon = await startDaemon(t, { args: ['--plugins', dir] });
  const call = await run('npx', ['plugd', '--home', daemon.home, 'call', 'hello.greet', '{"name":"you"}'], folder);
  t.is(call.output, '"hello, you!"\n');
  // The daemon refuses bad params with the very message the harness gave the plugin's own test.
  await t.throwsAsync(daemon.call('hello.greet', { name: 42 }), {
    message: 'Invalid params: params.name must be string',
  });

  const source = join(folder, 'src/index.ts');
  writeFileSync(source, readFileSync(source, 'utf8').replace('`hello, ${name}!`', '`howdy, ${name}!`'));
  const reload = await runCli(['--home', daemon.home, 'reload']);
  t.is(reload.code, 0, reload.stderr);
  t.is(await daemon.call('hello.greet', { name: 'you' }), 'howdy, you!');

  // The params type comes from the schema: treating `name` as a number does not compile.
  writeFileSync(source, readFileSync(source, 'utf8').replace('`howdy, ${name}!`', 'name.toFixed(2)'));
  const build = await run('npm', ['run', 'build'], folder);
  t.not(build.code, 0);
  t.regex(build.output, /src\/index\.ts.*Property 'toFixed' does not exist on type 'string'/);
});

test('plugd new writes into the plugin folder the running daemon serves, and the next reload loads it', async (t) => {
  const served = makeHome(t);
  const daemon = await startDaemon(t, { args: ['--plugins', served.pluginDir] });
  const created = await runCli(['--home', daemon.home, 'new', 'hello']);
  t.is(created.code, 0, created.stderr);
  t.true(existsSync(join(served.pluginDir, 'hello', 'package.json')));
  t.false(existsSync(join(daemon.pluginDir, 'hello')));
  const reload = await runCli(['--home', daemon.home, 'reload']);
  t.is(reload.stdout, 'loaded: hello\n', reload.stderr);
  t.is(await daemon.call('hello.greet', { name: 'you' }), 'hello, you!');
});
