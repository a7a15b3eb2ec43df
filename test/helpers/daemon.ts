// Starts the real daemon (the built CLI, `dist/`, as a user runs it) in a
// fresh temporary home, in the foreground as a child, for the tests and the
// bench alike, and tears it down afterwards whatever happened: nothing leaves
// a process, socket or home behind. Who undoes what is the owner's: a test
// (its teardown) or the bench (its clean-up registry, bench/cleanup.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { built } from '../../core/package-root.js';
import { RpcClient } from '../../core/cli/client.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What `plugd` runs once installed (package.json's bin). */
export const CLI = built.cli;
export const EXAMPLE_PLUGINS = join(ROOT, 'plugins');

/** A daemon that does not say it is ready by then is taken as failed to start. */
const READY_TIMEOUT_MS = 30_000;
/** A graceful stop that lingers past this ends in SIGKILL. */
const STOP_TIMEOUT_MS = 15_000;

/** Registers an undo step, run once when the owner ends; the answer unregisters it (the helper undid it itself). */
export type Defer = (undo: () => unknown) => () => void;
/** A test, or a registry of undo steps such as the bench's `onCleanup`. */
export type Owner = ExecutionContext | Defer;

export interface HomeSetup {
  /** Files to create in the plugin folder: path relative to it → contents. */
  plugins?: Record<string, string>;
  /** Copy the example plugins (plugins/) into the plugin folder. */
  examples?: boolean;
  /** Contents of plugd.json. */
  config?: object;
}

export interface DaemonSetup extends HomeSetup {
  /** More arguments for `plugd start` (e.g. --watch). */
  args?: string[];
  /** Options for node itself, before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** The CLI to run, when not this checkout's (a copy of the install elsewhere). */
  cli?: string;
  /** The Node binary to run it with, when not this one. */
  node?: string;
  /** Descriptors of the test's to leave open in the daemon: its fd number → the test's fd. */
  extraFds?: Record<number, number>;
  /** More environment for the daemon (e.g. PLUGD_NO_SHM=1 for the pipe fallback, NOTIFY_SOCKET). */
  env?: NodeJS.ProcessEnv;
}

export interface Home {
  home: string;
  pluginDir: string;
  socket: string;
  pidfile: string;
  /** Removes the home now (it is removed when the owner ends otherwise). */
  remove(): void;
}

export interface TestDaemon extends Home {
  child: ChildProcess;
  pid: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** A new connection of its own (closed when the daemon is stopped or torn down). */
  client(): Promise<RpcClient>;
  /** A call on one shared connection. */
  call<T = any>(method: string, params?: unknown): Promise<T>;
  signal(name: NodeJS.Signals): void;
  /** Graceful stop (SIGTERM, as `plugd stop` does), then the home is removed. */
  stop(): Promise<void>;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
}

const atExit = new Set<() => void>();
let listening = false;

/** Newest first, as teardowns run: a daemon goes before the home that holds its pidfile. */
function runAtExit(): void {
  const steps = [...atExit].reverse();
  atExit.clear();
  for (const step of steps) step();
}

/**
 * Also runs `kill` when the test process ends: a test that times out never
 * runs its teardown, and must not leave a daemon behind. ava ends such a
 * test file's process with SIGTERM, which runs no 'exit' listener.
 */
export function killOnExit(kill: () => void): () => void {
  if (!listening) {
    process.once('exit', runAtExit);
    process.once('SIGTERM', () => {
      runAtExit();
      process.kill(process.pid, 'SIGTERM'); // Ends as SIGTERM would have: this listener is gone.
    });
  }
  listening = true;
  const once = () => {
    try {
      kill();
    } catch {
      // Already gone.
    }
  };
  atExit.add(once);
  return () => atExit.delete(once);
}

function deferTo(owner: Owner): Defer {
  if (typeof owner === 'function') return owner;
  return (undo) => {
    let due = true;
    const forget = () => {
      due = false;
      forgetExit();
    };
    const once = () => {
      if (!due) return;
      forget();
      return undo();
    };
    const forgetExit = killOnExit(once);
    owner.teardown(async () => {
      await once();
    });
    return forget;
  };
}

export function makeHome(owner: Owner, setup: HomeSetup = {}): Home {
  const home = mkdtempSync(join(tmpdir(), 'plugd-test-'));
  const remove = () => rmSync(home, { recursive: true, force: true });
  const forget = deferTo(owner)(remove);
  const pluginDir = join(home, 'plugins');
  mkdirSync(pluginDir, { recursive: true });
  if (setup.examples) cpSync(EXAMPLE_PLUGINS, pluginDir, { recursive: true });
  for (const [name, contents] of Object.entries(setup.plugins ?? {})) writePlugin(pluginDir, name, contents);
  if (setup.config) writeFileSync(join(home, 'plugd.json'), JSON.stringify(setup.config));
  return {
    home,
    pluginDir,
    socket: join(home, 'plugd.sock'),
    pidfile: join(home, 'plugd.pid'),
    remove() {
      remove();
      forget();
    },
  };
}

/** Writes one file (path relative to the plugin folder), making folders as needed. */
export function writePlugin(pluginDir: string, name: string, contents: string): void {
  const file = join(pluginDir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, contents);
}

/** Runs the CLI to completion (for `plugd call`, `plugd stop`, ...). */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function startDaemon(owner: Defer, setup?: DaemonSetup): Promise<TestDaemon>;
export async function startDaemon(t: ExecutionContext, setup?: DaemonSetup): Promise<TestDaemon>;
export async function startDaemon(owner: Owner, setup: DaemonSetup = {}): Promise<TestDaemon> {
  const defer = deferTo(owner);
  const home = makeHome(defer, setup);
  const args = [
    ...(setup.nodeArgs ?? []),
    setup.cli ?? CLI,
    'start',
    '--foreground',
    '--home',
    home.home,
    ...(setup.args ?? []),
  ];
  const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
  for (const [at, fd] of Object.entries(setup.extraFds ?? {})) {
    while (stdio.length < Number(at)) stdio.push('ignore');
    stdio[Number(at)] = fd;
  }
  const child = spawn(setup.node ?? process.execPath, args, {
    stdio,
    env: { ...process.env, PLUGD_LOG_LEVEL: 'debug', ...setup.env },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const clients: RpcClient[] = [];
  const forgetKill = defer(async () => {
    clients.forEach((client) => client.close());
    if (alive()) child.kill('SIGKILL');
    await exited;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon not ready within ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (!output.includes('running in the foreground')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    // `exited` never rejects; once ready, this late reject is a no-op.
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before it was ready:\n${output}`));
    });
  });
  let shared: Promise<RpcClient> | undefined;
  const client = async () => {
    const connected = await RpcClient.connect(home.socket);
    clients.push(connected);
    return connected;
  };
  return {
    ...home,
    child,
    pid: child.pid!,
    output: () => output,
    client,
    async call(method, params) {
      shared ??= client();
      return (await shared).call(method, params);
    },
    signal: (name) => child.kill(name),
    async stop() {
      clients.forEach((connected) => connected.close());
      if (alive()) child.kill('SIGTERM');
      const lingering = setTimeout(() => alive() && child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(lingering);
      forgetKill();
      home.remove();
    },
    exited,
  };
}
