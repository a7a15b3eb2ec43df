// CrashRecovery alone (core/host/crash-recovery.ts): a crash puts the plugin in
// backoff with its restart planned, the delay doubles up to its cap, the crash
// loop ends in `failed` within the crash window, a restart that fails counts as
// a crash, and cancel/reset/adopt do what the supervisor asks of them. Node's
// mock timers drive setTimeout and Date, so no test waits.

import test, { type ExecutionContext } from 'ava';
import { mock } from 'node:test';
import type { BackoffOptions } from '../../../core/host/crash-policy.js';
import { CrashRecovery, type RecoveredPlugin, type RestartedPlugin } from '../../../core/host/crash-recovery.js';
import type { CompiledPlugin } from '../../../core/host/compile.js';
import type { PluginHistory } from '../../../core/host/plugin-status.js';
import type { PluginCrash } from '../../../core/hooks.js';
import { partsEnv, ScriptedWorker, settled } from '../../helpers/host-parts.js';

const START = Date.UTC(2026, 0, 1);
const BACKOFF: BackoffOptions = { initialDelayMs: 100, maxDelayMs: 300, maxCrashes: 10, windowMs: 60_000 };

/** The supervisor's side: its steps run one at a time, and a launch either serves or fails as the test says. */
class FakeSteps implements RestartedPlugin {
  readonly spawned: ScriptedWorker[] = [];
  readonly launched: CompiledPlugin[] = [];
  forgotten = 0;
  /** The reason the next launches fail with, if any. */
  failLaunch: string | undefined;
  constructor(private readonly history: PluginHistory) {}
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return task();
  }
  spawn() {
    const worker = new ScriptedWorker();
    this.spawned.push(worker);
    return worker.asWorker;
  }
  launch(_worker: unknown, build: CompiledPlugin): Promise<void> {
    this.launched.push(build);
    if (this.failLaunch) return Promise.reject(new Error(this.failLaunch));
    this.history.state = 'ready';
    return Promise.resolve();
  }
  forgetWorker(): void {
    this.forgotten++;
  }
}

function rig(t: ExecutionContext, options: BackoffOptions = BACKOFF) {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START });
  t.teardown(() => mock.timers.reset());
  const env = partsEnv();
  const crashes: PluginCrash[] = [];
  env.hooks.pluginCrashed.tap('test', (crash) => void crashes.push(crash));
  const history: PluginHistory = { state: 'ready', paused: false, restarts: 0, reloads: 0, servedBefore: 0 };
  history.readySince = START;
  const plugin: RecoveredPlugin & { build: CompiledPlugin | undefined } = {
    name: 'p',
    env,
    history,
    build: { url: 'file:///cache/p.mjs', hash: 'h1', inputs: ['/p/p.plugin.mjs'] },
    event: () => ({ name: 'p', version: '1.0.0', path: '/p' }),
  };
  const steps = new FakeSteps(history);
  const recovery = new CrashRecovery(plugin, steps, options);
  /** The clock moves on `ms`; the restart's steps (if one fell due) run to their end. */
  const tick = async (ms: number) => {
    mock.timers.tick(ms);
    await settled(() => history.state !== 'loading', 'the restart never ended');
  };
  return { plugin, history, steps, recovery, crashes, tick };
}

/** The delay the plugin now waits before its restart. */
const plannedDelay = (history: PluginHistory) => (history.nextRestartAt ?? NaN) - Date.now();

test.serial(
  'a crash: the worker is forgotten, the plugin backs off with its reason, and the hook says backoff',
  (t) => {
    const { history, steps, recovery, crashes } = rig(t);
    recovery.crashed('worker exited with code 1');
    t.is(steps.forgotten, 1);
    t.is(history.state, 'backoff');
    t.deepEqual(history.lastError, { message: 'worker exited with code 1', at: START });
    t.is(history.readySince, undefined);
    t.is(plannedDelay(history), 100);
    t.deepEqual(crashes, [
      { name: 'p', version: '1.0.0', path: '/p', reason: 'worker exited with code 1', restarts: 0, next: 'backoff' },
    ]);
  },
);

test.serial('the restart runs when the backoff delay is over, not before, with the build that served', async (t) => {
  const { plugin, history, steps, recovery, tick } = rig(t);
  recovery.crashed('boom');
  await tick(99);
  t.is(steps.spawned.length, 0);
  t.is(history.state, 'backoff');
  await tick(1);
  t.is(steps.spawned.length, 1);
  t.deepEqual(steps.launched, [plugin.build]);
  t.is(history.state, 'ready');
  t.is(history.restarts, 1);
  t.is(history.nextRestartAt, undefined);
});

test.serial('the backoff doubles with each crash in the window, up to maxDelayMs', async (t) => {
  const { history, recovery, tick } = rig(t);
  const delays: number[] = [];
  for (let crash = 0; crash < 5; crash++) {
    recovery.crashed(`crash ${crash}`);
    delays.push(plannedDelay(history));
    await tick(plannedDelay(history));
    t.is(history.state, 'ready');
  }
  t.deepEqual(delays, [100, 200, 300, 300, 300]);
  t.is(history.restarts, 5);
});

test.serial(
  'the crash loop ends in failed at maxCrashes within the window: no restart planned, the hook says failed',
  async (t) => {
    const { history, steps, recovery, crashes, tick } = rig(t, { ...BACKOFF, maxCrashes: 3 });
    recovery.crashed('one');
    await tick(plannedDelay(history));
    recovery.crashed('two');
    await tick(plannedDelay(history));
    recovery.crashed('three');
    t.is(history.state, 'failed');
    t.is(history.nextRestartAt, undefined);
    t.deepEqual(history.lastError?.message, 'three');
    t.deepEqual(
      crashes.map(({ reason, restarts, next }) => ({ reason, restarts, next })),
      [
        { reason: 'one', restarts: 0, next: 'backoff' },
        { reason: 'two', restarts: 1, next: 'backoff' },
        { reason: 'three', restarts: 2, next: 'failed' },
      ],
    );
    await tick(BACKOFF.windowMs * 2);
    t.is(steps.spawned.length, 2, 'a failed plugin is not restarted');
    t.is(history.state, 'failed');
  },
);

test.serial(
  'crashes older than the window are forgotten: the delay starts again from initialDelayMs, and no failure',
  async (t) => {
    const { history, recovery, tick } = rig(t, { ...BACKOFF, maxCrashes: 3 });
    recovery.crashed('one');
    await tick(plannedDelay(history));
    recovery.crashed('two');
    t.is(plannedDelay(history), 200);
    await tick(plannedDelay(history));
    await tick(BACKOFF.windowMs);
    recovery.crashed('three, a window later');
    t.is(history.state, 'backoff');
    t.is(plannedDelay(history), 100);
  },
);

test.serial(
  'a restart whose load fails ends its worker and counts as a crash: a longer backoff, then failed at the cap',
  async (t) => {
    const { history, steps, recovery, crashes, tick } = rig(t, { ...BACKOFF, maxCrashes: 3 });
    steps.failLaunch = 'setup threw';
    recovery.crashed('boom');
    await tick(100);
    t.deepEqual(steps.spawned[0]?.terminations, ['load failed']);
    t.is(history.state, 'backoff');
    t.is(history.lastError?.message, 'restart failed: setup threw');
    t.is(plannedDelay(history), 200);
    await tick(200);
    t.is(history.state, 'failed');
    t.is(history.restarts, 2);
    t.deepEqual(
      crashes.map(({ next }) => next),
      ['backoff', 'backoff', 'failed'],
    );
  },
);

test.serial('cancel calls off the planned restart', async (t) => {
  const { history, steps, recovery, tick } = rig(t);
  recovery.crashed('boom');
  recovery.cancel();
  t.is(history.nextRestartAt, undefined);
  await tick(BACKOFF.maxDelayMs * 10);
  t.is(steps.spawned.length, 0);
});

test.serial('a restart that falls due after the plugin left backoff (stopped meanwhile) does nothing', async (t) => {
  const { history, steps, recovery, tick } = rig(t);
  recovery.crashed('boom');
  history.state = 'stopped';
  await tick(100);
  t.is(steps.spawned.length, 0);
  t.is(history.restarts, 0);
  t.is(history.state, 'stopped');
});

test.serial('a plugin with no build that served is not restarted', async (t) => {
  const { plugin, history, steps, recovery, tick } = rig(t);
  plugin.build = undefined;
  recovery.crashed('boom');
  await tick(100);
  t.is(steps.spawned.length, 0);
  t.is(history.state, 'backoff');
});

test.serial(
  'reset gives a fresh crash history: the next crash waits initialDelayMs and the cap counts anew',
  async (t) => {
    const { history, recovery, tick } = rig(t, { ...BACKOFF, maxCrashes: 3 });
    recovery.crashed('one');
    await tick(plannedDelay(history));
    recovery.crashed('two');
    await tick(plannedDelay(history));
    recovery.reset();
    recovery.crashed('three, after a reload');
    t.is(history.state, 'backoff');
    t.is(plannedDelay(history), 100);
  },
);

test.serial(
  'adopt: the new policy applies from the next crash, and the restart planned under the old one is called off',
  async (t) => {
    const { history, steps, recovery, tick } = rig(t);
    recovery.crashed('one');
    recovery.adopt({ initialDelayMs: 1000, maxDelayMs: 5000, maxCrashes: 2, windowMs: 60_000 });
    await tick(BACKOFF.maxDelayMs * 2);
    t.is(steps.spawned.length, 0, 'the old plan is off');
    recovery.crashed('two');
    t.is(plannedDelay(history), 1000);
    recovery.crashed('three');
    t.is(history.state, 'failed', 'the new cap of 2 counts from the adoption');
  },
);
