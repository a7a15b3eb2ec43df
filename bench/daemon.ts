// The real daemon, as a user runs it: the built CLI (the package's bin) in a fresh
// temporary home, in the foreground as a child of the bench. Stopping it
// (SIGTERM, as `plugd stop` does) removes the home too, and an error anywhere
// in the bench still kills it and removes the home (cleanup.ts).

import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RpcClient } from '../core/cli/client.js';
import { built, packageRoot } from '../core/package-root.js';
import { startChild } from './child.js';
import { onCleanup } from './cleanup.js';

/** What `plugd` runs once installed (package.json's bin), as the tests use it. */
export const CLI = built.cli;
const EXAMPLE_PLUGINS = join(packageRoot, 'plugins');

export interface HomeSetup {
  /** Copy the example plugins (plugins/: echo, counter) into the plugin folder. */
  examples?: boolean;
  /** Files to create in the plugin folder: path relative to it → contents. */
  plugins?: Record<string, string>;
  /** Contents of plugd.json. */
  config?: object;
}

export interface BenchHome {
  home: string;
  pluginDir: string;
  socket: string;
  pidfile: string;
  remove(): void;
}

export function makeHome(setup: HomeSetup = {}): BenchHome {
  const home = mkdtempSync(join(tmpdir(), 'plugd-bench-'));
  const forget = onCleanup(() => rmSync(home, { recursive: true, force: true }));
  const pluginDir = join(home, 'plugins');
  mkdirSync(pluginDir);
  if (setup.examples) {
    cpSync(EXAMPLE_PLUGINS, pluginDir, { recursive: true, filter: (source) => !source.includes('.plugd-build') });
  }
  writePluginFiles(pluginDir, setup.plugins ?? {});
  if (setup.config) writeFileSync(join(home, 'plugd.json'), JSON.stringify(setup.config));
  return {
    home,
    pluginDir,
    socket: join(home, 'plugd.sock'),
    pidfile: join(home, 'plugd.pid'),
    remove() {
      rmSync(home, { recursive: true, force: true });
      forget();
    },
  };
}

/** Writes files (path relative to the plugin folder → contents), making folders as needed. */
export function writePluginFiles(pluginDir: string, files: Record<string, string>): void {
  for (const [path, contents] of Object.entries(files)) {
    const file = join(pluginDir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, contents);
  }
}

export interface DaemonOptions extends HomeSetup {
  watch?: boolean;
  /** Options for node itself, before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export interface BenchDaemon extends BenchHome {
  pid: number;
  /** A new connection of its own (closed when the daemon is stopped). */
  connect(): Promise<RpcClient>;
  /** A call on one shared connection. */
  call<T = unknown>(method: string, params?: unknown): Promise<T>;
  /** Graceful stop (SIGTERM), then the home is removed. */
  stop(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions = {}): Promise<BenchDaemon> {
  const home = makeHome(options);
  const args = [...(options.nodeArgs ?? []), CLI, 'start', '--foreground', '--home', home.home];
  if (options.watch) args.push('--watch');
  let child;
  try {
    // The log goes to stdout (and plugd.log); stderr says when it is ready.
    child = await startChild(args, { stream: 'stderr', text: 'running in the foreground' });
  } catch (error) {
    home.remove();
    throw error;
  }
  const clients: RpcClient[] = [];
  const connect = async () => {
    const client = await RpcClient.connect(home.socket);
    clients.push(client);
    return client;
  };
  let shared: Promise<RpcClient> | undefined;
  return {
    ...home,
    pid: child.pid,
    connect,
    async call<T>(method: string, params?: unknown) {
      shared ??= connect();
      return (await shared).call<T>(method, params);
    },
    async stop() {
      for (const client of clients) client.close();
      await child.stop();
      home.remove();
    },
  };
}
