// Small fakes for the supervisor's parts (admission.ts, crash-recovery.ts,
// worker-swap.ts), each driven alone through its own interface: the slice of
// the environment they read, and a worker that does what the test says.

import pino from 'pino';
import { DEFAULT_SUPERVISION, type Supervision } from '../../core/config/config.js';
import { createHooks } from '../../core/hooks.js';
import type { PluginWorker } from '../../core/host/plugin-worker.js';
import type { SupervisorEnvironment } from '../../core/host/supervisor-types.js';

/**
 * The environment the parts read (supervision, maxInFlight, logger, hooks); the
 * rest (registry, boot, build cache, ...) belongs to the supervisor and is absent.
 */
export function partsEnv(supervision: Partial<Supervision> = {}, maxInFlight = 2): SupervisorEnvironment {
  const env: Pick<SupervisorEnvironment, 'supervision' | 'maxInFlight' | 'logger' | 'hooks'> = {
    supervision: { ...DEFAULT_SUPERVISION, ...supervision },
    maxInFlight,
    logger: pino({ level: 'silent' }),
    hooks: createHooks(),
  };
  return env as SupervisorEnvironment;
}

/** A call the fake worker took: what it was asked, and how to end it. */
export interface TakenCall {
  method: string;
  params: unknown;
  timeoutMs: number;
  resolve(value: unknown): void;
}

/** A worker the test drives: its calls stay in flight until the test answers them. */
export class ScriptedWorker {
  alive = true;
  readonly taken: TakenCall[] = [];
  /** What `snapshot` answers, or the error it fails with. */
  snapshotResult: { value: unknown } | { error: Error } = { value: { count: 1 } };
  readonly snapshotTimeouts: number[] = [];
  readonly stops: Array<{ drainTimeoutMs: number; end: (errors: string[]) => void }> = [];
  waitingFor: string | undefined;
  private idleWaiters: Array<(idle: boolean) => void> = [];

  get inFlight(): number {
    return this.taken.length;
  }

  call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve) => {
      const taken: TakenCall = {
        method,
        params,
        timeoutMs,
        resolve: (value) => {
          this.taken.splice(this.taken.indexOf(taken), 1);
          resolve(value);
          if (this.taken.length === 0) for (const waiter of this.idleWaiters.splice(0)) waiter(true);
        },
      };
      this.taken.push(taken);
    });
  }

  /** Idle at once with nothing in flight; else when the last call ends, or `false` when the test says time ran out. */
  idleWithin(_timeoutMs: number): Promise<boolean> {
    if (this.taken.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The freeze's time runs out with calls still in flight. */
  expireIdleWait(): void {
    for (const waiter of this.idleWaiters.splice(0)) waiter(false);
  }

  snapshot(timeoutMs: number): Promise<unknown> {
    this.snapshotTimeouts.push(timeoutMs);
    const result = this.snapshotResult;
    return 'error' in result ? Promise.reject(result.error) : Promise.resolve(result.value);
  }

  stop(drainTimeoutMs: number): Promise<string[]> {
    return new Promise((end) => this.stops.push({ drainTimeoutMs, end }));
  }

  terminations: string[] = [];
  terminate(reason: string): Promise<void> {
    this.terminations.push(reason);
    this.alive = false;
    return Promise.resolve();
  }

  /** The fake as the parts see it: they use only the members above. */
  get asWorker(): PluginWorker {
    return this as unknown as PluginWorker;
  }
}

/** Lets promise chains run until `done()` holds; throws `what` after a bounded number of turns (no clock involved). */
export async function settled(done: () => boolean, what = 'the awaited condition never held'): Promise<void> {
  for (let turn = 0; turn < 100 && !done(); turn++) await Promise.resolve();
  if (!done()) throw new Error(what);
}
