// What `npm pack` ships is what a user installs: the tarball, installed
// globally into a temporary prefix, runs a process plugin over the
// shared-memory addon built at install (native/sab-shm, shipped as sources);
// and when that build fails (no compiler), the install still succeeds and the
// plugin talks over its pipe. This test runs npm: it packs once, installs
// twice (dependencies from the npm cache, --prefer-offline), and takes about a
// minute on an idle machine; each install has its own deadline.

import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginStatus } from '../../core/contract/plugin-status.js';
import { RpcClient } from '../../core/cli/client.js';
import { makeHome, ROOT } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';

/** An npm install that takes longer than this has hung (a registry it cannot reach): the test fails, naming it. */
const INSTALL_DEADLINE_MS = 240_000;

const found = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const hasNpm = found('npm');
const hasCompiler = found('make') && (found('c++') || found('g++'));

/** A shell's environment, without the npm_* variables of an `npm test` running this file (its prefix, its config). */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))),
    ...extra,
  };
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; deadlineMs?: number } = {},
) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv() });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const deadline = options.deadlineMs && setTimeout(() => child.kill('SIGKILL'), options.deadlineMs);
    child.on('close', (code, signal) => {
      clearTimeout(deadline || undefined);
      resolve({
        code,
        output: signal ? `${output}\n${command} ${args.join(' ')} killed after ${options.deadlineMs} ms` : output,
      });
    });
  });
}

let tarball: Promise<string> | undefined;

/** The package as `npm pack` makes it from this checkout (dist/ as built: the test run builds first). */
function pack(t: ExecutionContext): Promise<string> {
  tarball ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugd-pack-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
    if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
    return join(
      dir,
      readdirSync(dir).find((name) => name.endsWith('.tgz'))!,
    );
  })();
  t.log('packing and installing plugd: about a minute');
  return tarball;
}

/** `npm install -g` of the tarball into a fresh prefix; returns the installed CLI. */
async function install(t: ExecutionContext, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const file = await pack(t);
  const prefix = mkdtempSync(join(tmpdir(), 'plugd-prefix-'));
  t.teardown(() => rmSync(prefix, { recursive: true, force: true }));
  const installed = await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', file],
    {
      env: userEnv(env),
      deadlineMs: INSTALL_DEADLINE_MS,
    },
  );
  if (installed.code !== 0) throw new Error(`npm install -g failed:\n${installed.output}`);
  return join(prefix, 'lib', 'node_modules', 'plugd', 'dist', 'cli', 'plugd.js');
}

/** Starts the installed plugd on a home with one process plugin; returns how it serves it. */
async function serveProcessPlugin(
  t: ExecutionContext,
  cli: string,
): Promise<{ status: PluginStatus; answer: unknown }> {
  const home = makeHome(t, {
    plugins: {
      'native/package.json': JSON.stringify({
        name: 'native',
        type: 'module',
        plugd: { entry: 'index.js', isolation: 'process' },
      }),
      'native/index.js': "export default { setup(ctx) { ctx.rpc.method('pid', {}, () => process.pid); } };\n",
    },
  });
  cleanUpDaemonOf(t, home.home);
  const started = await run(process.execPath, [cli, '--home', home.home, 'start'], {
    env: userEnv({ PLUGD_HOME: '' }),
  });
  t.is(started.code, 0, started.output);
  const client = await RpcClient.connect(home.socket);
  try {
    const [status] = await client.call<PluginStatus[]>('plugins.list');
    const answer = await client.call('native.pid');
    return { status, answer };
  } finally {
    client.close();
    const stopped = await run(process.execPath, [cli, '--home', home.home, 'stop']);
    t.is(stopped.code, 0, stopped.output);
  }
}

if (!hasNpm) {
  test.skip('packaging: npm is not on PATH', () => undefined);
} else {
  if (hasCompiler) {
    test.serial(
      'npm pack → npm install -g: the addon is built at install and a process plugin runs over shared memory',
      async (t) => {
        t.timeout(2 * INSTALL_DEADLINE_MS + 60_000);
        const cli = await install(t);
        const { status, answer } = await serveProcessPlugin(t, cli);
        t.is(status.isolation, 'process');
        t.is(status.channel, 'shm');
        t.is(answer, status.pid);
      },
    );
  } else {
    test.skip('packaging over shared memory: no C++ compiler and make here to build the addon at install', () =>
      undefined);
  }

  test.serial(
    'npm install -g where the addon cannot be built (no compiler): the install succeeds, and a process plugin serves over its pipe',
    async (t) => {
      t.timeout(2 * INSTALL_DEADLINE_MS + 60_000);
      const cli = await install(t, { CC: '/bin/false', CXX: '/bin/false' });
      const { status, answer } = await serveProcessPlugin(t, cli);
      t.is(status.isolation, 'process');
      t.is(status.channel, 'pipe');
      t.is(answer, status.pid);
    },
  );
}
