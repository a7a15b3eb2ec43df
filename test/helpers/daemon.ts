// Starts the real daemon (the built CLI, `dist/`) in a fresh temporary home,
// in the foreground as a child of the test, and tears it down afterwards
// whatever happened: no test leaves a process, socket or home behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { built } from '../../core/package-root.js';
import { RpcClient } from '../../core/cli/client.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = built.cli;
export const EXAMPLE_PLUGINS = join(ROOT, 'plugins');

export interface DaemonSetup {
  /** Files to create in the plugin folder: name → contents. */
  plugins?: Record<string, string>;
  /** Copy the example plugins (plugins/) into the plugin folder. */
  examples?: boolean;
  /** Contents of plugd.json. */
  config?: object;
  args?: string[];
}

export interface TestDaemon {
  home: string;
  pluginDir: string;
  socket: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  client(): Promise<RpcClient>;
  call<T = any>(method: string, params?: unknown): Promise<T>;
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
}

/**
 * Also kills on the test process's exit: a test that times out never runs its
 * teardown, and must not leave a daemon behind.
 */
export function killOnExit(kill: () => void): void {
  process.once('exit', () => {
    try {
      kill();
    } catch {
      // Already gone.
    }
  });
}

export function makeHome(t: ExecutionContext, setup: DaemonSetup = {}): { home: string; pluginDir: string } {
  const home = mkdtempSync(join(tmpdir(), 'plugd-test-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const pluginDir = join(home, 'plugins');
  mkdirSync(pluginDir, { recursive: true });
  if (setup.examples) cpSync(EXAMPLE_PLUGINS, pluginDir, { recursive: true, filter: (src) => !src.includes('.plugd-build') });
  for (const [name, contents] of Object.entries(setup.plugins ?? {})) writePlugin(pluginDir, name, contents);
  if (setup.config) writeFileSync(join(home, 'plugd.json'), JSON.stringify(setup.config));
  return { home, pluginDir };
}

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

export async function startDaemon(t: ExecutionContext, setup: DaemonSetup = {}): Promise<TestDaemon> {
  const { home, pluginDir } = makeHome(t, setup);
  const child = spawn(process.execPath, [CLI, 'start', '--foreground', '--home', home, ...(setup.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PLUGD_LOG_LEVEL: 'debug' },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  killOnExit(() => child.kill('SIGKILL'));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('running in the foreground')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => reject(new Error(`daemon exited with ${code} before it was ready:\n${output}`)));
  });
  await ready;
  const socket = join(home, 'plugd.sock');
  const clients: RpcClient[] = [];
  t.teardown(() => clients.forEach((client) => client.close()));
  let shared: RpcClient | undefined;
  const client = async () => {
    const connected = await RpcClient.connect(socket);
    clients.push(connected);
    return connected;
  };
  return {
    home,
    pluginDir,
    socket,
    child,
    pid: child.pid!,
    output: () => output,
    client,
    async call(method, params) {
      shared ??= await client();
      return shared.call(method, params);
    },
    signal: (name) => child.kill(name),
    exited,
  };
}
