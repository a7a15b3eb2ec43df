// What plugin authors import as `plugd/sdk/testing`: a daemon in miniature
// for a plugin's tests. The plugin is compiled as the daemon compiles it and
// set up by the same PluginInstance its worker would use, and its methods are
// served through the daemon's own registry and dispatcher, so params are
// validated and errors are shaped exactly as a client of the daemon sees them.
// Only the worker thread is left out: the plugin runs in the test's process.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type LevelWithSilent } from 'pino';
import { qualifiedMethodName, type ForwardedHook, type MethodSpec } from '../core/channel/protocol.js';
import { compilePlugin } from '../core/host/compile.js';
import { nearestManifest } from '../core/package-root.js';
import { inspectCandidate, isSkipped, pluginNameOfPackage } from '../core/host/discovery.js';
import { createHooks } from '../core/hooks.js';
import { Dispatcher, type JsonRpcResponse } from '../core/rpc/dispatcher.js';
import { RpcError } from '../core/rpc/errors.js';
import { RawJson } from '../core/rpc/raw-json.js';
import { answerText } from '../core/rpc/answer-text.js';
import { MethodRegistry } from '../core/rpc/registry.js';
import { pluginMethodEntries } from '../core/host/plugin-methods.js';
import type { BridgedSignal } from '../core/signals.js';
import type { ForwardedHookTap, PluginHooks } from './index.js';
import { definitionFromModule, PluginInstance, type PluginModule } from '../core/worker/instance.js';

export interface LoadPluginOptions {
  /** What the plugin sees as `ctx.config` (in the daemon: `plugins.<name>.config` of plugd.json). */
  config?: unknown;
  /** The plugin's name, which prefixes its methods; by default the one the daemon would give it. */
  name?: string;
  /** Level of `ctx.log`; `info` by default, as in the daemon. */
  logLevel?: LevelWithSilent;
}

/** One line the plugin logged through `ctx.log`. */
export interface LogRecord {
  level: string;
  msg?: string;
  plugin: string;
  [key: string]: unknown;
}

/** The arguments a tap on the hook `H` receives. */
export type HookArgs<H extends ForwardedHook> = PluginHooks[H] extends ForwardedHookTap<infer A> ? A : never;

let buildCache: string | undefined;

/** Where the harness keeps its builds, as a daemon keeps them in its home: a private folder gone with the process. */
function harnessCache(): string {
  if (!buildCache) {
    const dir = (buildCache = mkdtempSync(join(tmpdir(), 'plugd-harness-')));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return buildCache;
}

/** Counts loads, so each one imports a fresh module, as each daemon worker does. */
let loads = 0;

/**
 * Compiles and sets up the plugin whose entry is `entry` (a path relative to
 * the working directory, or a file: URL), and returns a host serving it.
 */
export async function loadPlugin(entry: string | URL, options: LoadPluginOptions = {}): Promise<PluginHarness> {
  const file = typeof entry === 'string' ? resolve(entry) : fileURLToPath(entry);
  const { name, dir } = daemonViewOf(file, options.name);
  const build = await compilePlugin(file, harnessCache());
  const module = (await import(`${build.url}?load=${++loads}`)) as PluginModule;
  const logs: LogRecord[] = [];
  const log = pino(
    { level: options.logLevel ?? 'info', base: { plugin: name }, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => logs.push(JSON.parse(line)) },
  );
  // The config reaches a worker as workerData: a structured clone.
  const instance = new PluginInstance(definitionFromModule(module, file), {
    name,
    dir,
    config: structuredClone(options.config),
    log: () => log,
  });
  await instance.setup();
  await instance.resume(); // Its loops start, as the daemon starts them once the plugin serves.
  return new PluginHarness(instance, logs);
}

/** A loaded plugin and what a test does with it. Get one from `loadPlugin`. */
export class PluginHarness {
  private readonly registry = new MethodRegistry();
  private readonly dispatcher = new Dispatcher(this.registry, createHooks());
  private readonly inFlight = new Set<Promise<unknown>>();
  private lastId = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly instance: PluginInstance,
    /** What the plugin logged through `ctx.log`, oldest first. */
    readonly logs: LogRecord[],
  ) {
    const { name } = instance;
    this.registry.replaceOwner(
      name,
      pluginMethodEntries(name, instance.methodSpecs(), (spec, params) => this.serve(spec.name, params)),
    );
  }

  get name(): string {
    return this.instance.name;
  }

  /**
   * Calls the plugin's method `method` (its local name: `greet`, not `hello.greet`)
   * as a client of the daemon would, JSON on the way in and out. Resolves with the
   * result, or rejects with an RpcError carrying the daemon's `code`, `message` and `data`.
   */
  async call<T = unknown>(method: string, params?: unknown): Promise<T> {
    const request = JSON.stringify({
      jsonrpc: '2.0',
      id: ++this.lastId,
      method: qualifiedMethodName(this.name, method),
      params,
    });
    const answering = this.dispatcher.handleText(request, { transport: 'internal' });
    this.inFlight.add(answering);
    try {
      // The daemon's own answer text, read back as a client reads it.
      const answer = JSON.parse(answerText((await answering) as JsonRpcResponse)) as JsonRpcResponse;
      if (answer.error) {
        const error = answer.error as { code: number; message: string; data?: unknown };
        throw new RpcError(error.code, error.message, error.data);
      }
      return answer.result as T;
    } finally {
      this.inFlight.delete(answering);
    }
  }

  /** Delivers `signal` to the plugin's `ctx.signals.on` listeners, as when the daemon receives it. */
  signal(signal: BridgedSignal): void {
    if (!this.closing) this.instance.signal(signal);
  }

  /** Fires the forwarded hook `name` on the plugin's `ctx.hooks.<name>.tap` taps. */
  hook<H extends ForwardedHook>(name: H, ...args: HookArgs<H>): void {
    if (!this.closing) this.instance.hook(name, overTheWire(args));
  }

  /** The methods the plugin declared, as `system.methodSignature` describes them. */
  methods(): MethodSpec[] {
    return this.instance.methodSpecs();
  }

  /** What the plugin's `snapshot()` returns during a reload (undefined without one), as the new worker receives it. */
  async snapshot(): Promise<unknown> {
    return structuredClone(await this.instance.definition.snapshot?.());
  }

  /** Runs the plugin's `restore(state)`, as a reload does before the new version serves. */
  async restore(state: unknown): Promise<void> {
    await this.instance.definition.restore?.(structuredClone(state));
  }

  /**
   * Stops the plugin as the daemon does: its methods go away (-32601), calls in
   * flight finish, then its `onShutdown` handlers run. Rejects if any of them threw.
   */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    this.registry.removeOwner(this.name);
    await Promise.allSettled(this.inFlight);
    const errors = await this.instance.shutdown();
    if (errors.length > 0) throw new Error(`${this.name}: onShutdown failed: ${errors.join('; ')}`);
  }

  /** Answers one call the way a worker answers the core. */
  private async serve(method: string, params: unknown): Promise<unknown> {
    const outcome = await this.instance.call(method, params);
    if (!outcome.ok) throw new RpcError(outcome.error.code, outcome.error.message, outcome.error.data);
    return new RawJson(outcome.json);
  }
}

/** Hook events cross the daemon as JSON: a plugin under test sees what it would see there. */
function overTheWire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/**
 * The name the daemon gives the plugin (NAME of a NAME.plugin.ts file, else
 * its package's name, else the file's stem) and its folder (`ctx.dir`: the
 * file's, or its package's).
 */
function daemonViewOf(file: string, name: string | undefined): { name: string; dir: string } {
  const asFile = inspectCandidate(file);
  if (!isSkipped(asFile)) return { name: name ?? asFile.name, dir: dirname(file) };
  const manifest = nearestManifest(dirname(file));
  const packageName = manifest?.manifest.name;
  return {
    name:
      name ??
      (typeof packageName === 'string' ? pluginNameOfPackage(packageName) : basename(file).replace(/\.[^.]+$/, '')),
    dir: manifest?.dir ?? dirname(file),
  };
}
