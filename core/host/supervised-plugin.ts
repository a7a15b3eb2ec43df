// The record of one supervised plugin: what it is (its source, the settings it
// runs under), what serves it (worker, build, validators, manifest), its
// history, and how its steps are told and its failures made (supervisor.ts).
// The supervisor's parts share this one record rather than copies of it.

import type { WorkerManifest } from '../channel/protocol.js';
import type { PluginStatus } from '../contract/plugin-status.js';
import type { SchemaScope } from '../config/schema.js';
import type { PluginEvent } from '../hooks.js';
import type { RpcError } from '../rpc/errors.js';
import type { CompiledPlugin } from './compile.js';
import type { PluginSource } from './discovery.js';
import { HostErrors, messageOf, type Phase } from './errors.js';
import type { PluginHistory } from './plugin-status.js';
import type { PluginWorker } from './plugin-worker.js';
import type { SupervisorEnvironment } from './supervisor-types.js';

export class SupervisedPlugin {
  readonly history: PluginHistory = {
    state: 'discovered',
    paused: false,
    restarts: 0,
    reloads: 0,
    servedBefore: 0,
  };
  worker: PluginWorker | undefined;
  build: CompiledPlugin | undefined;
  /** The serving version's params validators. */
  schemas: SchemaScope | undefined;
  /** What the serving (or, idle, the last) version declared. */
  manifest: WorkerManifest | undefined;

  constructor(
    public source: PluginSource,
    public env: SupervisorEnvironment,
  ) {}

  get name(): string {
    return this.source.name;
  }

  /** The plugin's entry file. */
  get entry(): string {
    return this.source.entry;
  }

  get state(): PluginStatus['state'] {
    return this.history.state;
  }

  set state(state: PluginStatus['state']) {
    this.history.state = state;
  }

  event(): PluginEvent {
    return { name: this.name, version: this.source.version, path: this.source.path };
  }

  /** A phase failed: remembered, logged with plugin and phase, and made the error to throw. */
  failed(phase: Phase, error: unknown): RpcError {
    const failure = HostErrors.phaseFailed(this.name, phase, messageOf(error));
    this.history.lastError = { message: messageOf(error), at: Date.now() };
    // A serving worker that crashed during the step (a freeze waits on its calls) has its restart scheduled already;
    // an idle plugin keeps the version it has (its next call starts that one).
    if (!this.worker && this.history.state !== 'backoff' && this.history.state !== 'idle')
      this.history.state = 'failed';
    this.env.logger.error({ plugin: this.name, phase, reason: messageOf(error) }, failure.message);
    return failure;
  }

  /** A step of the plugin's life, at info with its name: `plugd logs NAME` tells its story. */
  tell(message: string): void {
    this.env.logger.info({ plugin: this.name }, message);
  }

  /** `echo 1.2.0`, or the name alone for a plugin without a version. */
  named(): string {
    return this.source.version === undefined ? this.name : `${this.name} ${this.source.version}`;
  }
}
