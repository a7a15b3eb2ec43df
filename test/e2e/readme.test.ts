// README's quick start and "Write a plugin" run as written: every command of
// their blocks, in a fresh copy of the project (its own .plugd) and a fresh
// HOME (its own ~/.plugd), with Debian's netcat. Only the environment is the
// test's: no npm_* variables of the running `npm test`, npm's cache shared,
// and no install scripts (npm would run plugd's `prepare`, rebuilding dist/
// under the tests running beside this one). `npm ci` and `npm test` of the
// first block are what runs this test, so that block's `npm start` alone runs.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, ROOT } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const COMMAND_TIMEOUT_MS = 180_000;

/** The ```sh blocks of the section under `heading`. */
function shellBlocks(heading: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  const end = README.indexOf('\n## ', start + heading.length + 2);
  const section = README.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

const commands = (block: string) =>
  block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));

function hasNetcat(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v nc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A user's shell: the test's npm_* variables left out, npm's cache shared, no install scripts. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return {
    ...env,
    npm_config_cache: cache,
    npm_config_prefer_offline: 'true',
    npm_config_ignore_scripts: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    ...extra,
  };
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd, env, detached: true });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), COMMAND_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * A copy of the project as a clone has it after `npm ci`, in a folder of the
 * test's own; its node_modules are the checkout's. dist/ is copied, not linked:
 * a script run by a linked path is not its own main module (free-port.js).
 */
function projectCopy(t: ExecutionContext): string {
  const copy = mkdtempSync(join(tmpdir(), 'plugd-readme-'));
  t.teardown(() => rmSync(copy, { recursive: true, force: true }));
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  copyFileSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  for (const folder of ['dist', 'plugins', 'plugin-template'])
    cpSync(join(ROOT, folder), join(copy, folder), { recursive: true });
  return copy;
}

/** `npm start` in `project`, resolved once the daemon says it is running; stopped (SIGTERM to its group) after the test. */
async function npmStart(t: ExecutionContext, project: string): Promise<string> {
  const child = spawn('npm', ['start'], {
    cwd: project,
    env: userEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stopGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const forget = killOnExit(() => stopGroup('SIGKILL'));
  t.teardown(async () => {
    stopGroup('SIGTERM');
    const lingering = setTimeout(() => stopGroup('SIGKILL'), 15_000);
    await exited;
    // npm may end before the daemon it started has finished its stop (the state it keeps, its pidfile last).
    const pidfile = join(project, '.plugd', 'plugd.pid');
    await until(
      async () => existsSync(pidfile),
      (present) => !present,
    ).catch(() => stopGroup('SIGKILL'));
    clearTimeout(lingering);
    forget();
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('running in the foreground')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`npm start exited:\n${output}`)));
  });
  return output;
}

const netcat = hasNetcat();
const quickStart = netcat ? test : test.skip;

quickStart(
  `README quick start: npm start, then every command of the next block${netcat ? '' : ' (skipped: no nc; apt-get install netcat-openbsd)'}`,
  async (t) => {
    t.timeout(COMMAND_TIMEOUT_MS * 2);
    const [startBlock, tryBlock] = shellBlocks('## Quick start');
    t.true(startBlock.includes('npm start'));
    const project = projectCopy(t);
    const welcome = await npmStart(t, project);
    t.regex(welcome, /web: +http:\/\/127\.0\.0\.1:\d+\/login#token=/);
    for (const line of commands(tryBlock)) {
      const run = await bash(line, project, userEnv());
      t.is(run.code, 0, `${line}\n${run.output}`);
      t.not(run.output.trim(), '', line);
      const expected = /# (\{.*\})$/.exec(line)?.[1];
      if (expected) t.deepEqual(JSON.parse(run.output), JSON.parse(expected), line);
      if (line.includes('| nc ')) t.like(JSON.parse(run.output), { jsonrpc: '2.0', id: 1 }, line);
    }
  },
);

test('README "Write a plugin": every command of its block, in a fresh HOME', async (t) => {
  t.timeout(COMMAND_TIMEOUT_MS * 2);
  const [block] = shellBlocks('## Write a plugin');
  const project = projectCopy(t);
  const home = mkdtempSync(join(tmpdir(), 'plugd-readme-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  cleanUpDaemonOf(t, join(home, '.plugd'));
  const run = await bash(commands(block).join('\n'), project, userEnv({ HOME: home }));
  t.is(run.code, 0, run.output);
  t.regex(run.output, /plugd started \(pid \d+\)/);
  t.regex(run.output, /^loaded: hello$/m);
  t.true(run.output.trimEnd().endsWith('"hello, you!"'), run.output);
});

test('README "Write a plugin" under npm start, as its comments say: --home .plugd added, the plugin in ./plugins', async (t) => {
  t.timeout(COMMAND_TIMEOUT_MS * 2);
  const [block] = shellBlocks('## Write a plugin');
  const [start, ...rest] = commands(block);
  t.regex(start, /or: npm start, and add --home \.plugd below/);
  const project = projectCopy(t);
  await npmStart(t, project);
  const underNpmStart = rest.map((line) =>
    line.replaceAll('npx plugd ', 'npx plugd --home .plugd ').replace('~/.plugd/plugins/', 'plugins/'),
  );
  const run = await bash(underNpmStart.join('\n'), project, userEnv());
  t.is(run.code, 0, run.output);
  t.regex(run.output, new RegExp(`created plugin hello in ${join(project, 'plugins', 'hello')}`));
  t.regex(run.output, /^loaded: hello$/m);
  t.true(run.output.trimEnd().endsWith('"hello, you!"'), run.output);
});
