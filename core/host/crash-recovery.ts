// What follows a worker's death that nobody asked for (ARCHITECTURE.md,
// "Crash"): the plugin is `crashed`, then `backoff` with its restart planned
// by the crash policy (crash-policy.ts), or `failed` at the crash-loop cap.
// The restart loads the build that served in a new worker. The supervisor
// lends CrashRecovery the plugin's history and the steps of a load (RestartedPlugin).

import type { PluginEvent } from '../hooks.js';
import type { CompiledPlugin } from './compile.js';
import { RestartSchedule, type BackoffOptions } from './crash-policy.js';
import { messageOf } from './errors.js';
import type { PluginHistory } from './plugin-status.js';
import type { PluginWorker } from './plugin-worker.js';
import type { SupervisorEnvironment } from './supervisor-types.js';

/** The plugin's record, as its crash recovery reads it (supervised-plugin.ts). */
export interface RecoveredPlugin {
  readonly name: string;
  /** The environment it runs under now (a reload may change it). */
  readonly env: SupervisorEnvironment;
  readonly history: PluginHistory;
  /** The build that served: what a restart loads. */
  readonly build: CompiledPlugin | undefined;
  event(): PluginEvent;
}

/** The steps the supervisor lends its crash recovery. */
export interface RestartedPlugin {
  /** Runs `task` as one of the plugin's steps, one at a time. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** A booted worker, watched for its death. */
  spawn(): PluginWorker;
  /** Loads `build` into `worker` and makes it the one serving. */
  launch(worker: PluginWorker, build: CompiledPlugin): Promise<void>;
  /** The serving worker is gone. */
  forgetWorker(): void;
}

export class CrashRecovery {
  private schedule: RestartSchedule;

  constructor(
    private readonly plugin: RecoveredPlugin,
    private readonly steps: RestartedPlugin,
    options: BackoffOptions,
  ) {
    this.schedule = new RestartSchedule(options);
  }

  /** The serving worker died: the plugin backs off before its restart, or has failed. */
  crashed(reason: string): void {
    const { plugin } = this;
    const { history, name } = plugin;
    const { logger, hooks } = plugin.env;
    this.steps.forgetWorker();
    history.lastError = { message: reason, at: Date.now() };
    history.readySince = undefined;
    history.state = 'crashed';
    logger.error({ plugin: name, reason }, `plugin ${name} crashed: ${reason}`);
    const next = this.schedule.crashed(() => this.restart());
    if ('givenUp' in next) {
      history.state = 'failed';
      logger.error({ plugin: name }, `plugin ${name} failed: ${next.givenUp}`);
    } else {
      history.state = 'backoff';
      history.nextRestartAt = Date.now() + next.delayMs;
    }
    hooks.pluginCrashed.call({
      ...plugin.event(),
      reason,
      restarts: history.restarts,
      next: history.state === 'failed' ? 'failed' : 'backoff',
    });
  }

  private restart(): void {
    const { plugin } = this;
    const { history, name } = plugin;
    history.nextRestartAt = undefined;
    this.steps
      .exclusive(async () => {
        const { build } = plugin;
        if (history.state !== 'backoff' || !build) return;
        history.restarts++;
        history.state = 'loading';
        const worker = this.steps.spawn();
        try {
          await this.steps.launch(worker, build);
          plugin.env.logger.info({ plugin: name }, `restarted ${name} after a crash (restart ${history.restarts})`);
        } catch (error) {
          await worker.terminate('load failed');
          this.crashed(`restart failed: ${messageOf(error)}`);
        }
      })
      .catch((error) => plugin.env.logger.error({ plugin: name, err: error }, 'restart failed'));
  }

  /** A planned restart is called off. */
  cancel(): void {
    this.schedule.cancel();
    this.plugin.history.nextRestartAt = undefined;
  }

  /** A fresh crash history (a reload). */
  reset(): void {
    this.schedule.reset();
  }

  /** The crash policy of new settings applies from now on; a planned restart is called off. */
  adopt(options: BackoffOptions): void {
    this.schedule.cancel();
    this.schedule = new RestartSchedule(options);
  }
}
