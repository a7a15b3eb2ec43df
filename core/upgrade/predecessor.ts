// The old daemon's side of `plugd upgrade` (the sequence is in protocol.ts):
// start the successor on the listening sockets, wait until it has loaded
// every plugin, hand it the stateful plugins' state, and once it serves,
// forward to it the calls that need it. Any failure before it serves is a
// rollback: the successor is ended, held calls run here, and the old daemon
// serves on; the error says why.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { listenerEnvironment, type ListenerName } from '../home/listen-fds.js';
import { built } from '../package-root.js';
import type { UpgradeOutcome, UpgradeRequest } from '../rpc/builtins-daemon.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { MethodRegistry } from '../rpc/registry.js';
import type { PluginStatus } from '../contract/plugin-status.js';
import {
  SUCCESSOR_ENV,
  type CarriedOptions,
  type FromSuccessor,
  type SuccessorBrief,
  type ToSuccessor,
} from './protocol.js';
import { StateHandover, type Forward, type StatefulPlugins } from './state-handover.js';

/** What an upgrade needs of the daemon it replaces. */
export interface UpgradingDaemon {
  readonly version: string;
  readonly config: Config;
  readonly options: CarriedOptions;
  /** Upgrades before this one. */
  readonly upgrades: number;
  readonly host: StatefulPlugins & { list(): PluginStatus[] };
  readonly registry: MethodRegistry;
  readonly logger: Logger;
  /** The listening sockets to pass on, by name, and whether the socket path is the daemon's own. */
  handedListeners(): { names: ListenerName[]; fds: number[]; ownsSocket: boolean };
}

/** An upgrade's error: what failed, and that the old daemon serves on. */
export function upgradeFailed(phase: string, reason: string): RpcError {
  return new RpcError(
    ErrorCode.INTERNAL_ERROR,
    `upgrade failed (${phase}): ${reason}; the old daemon (pid ${process.pid}) serves on`,
    { phase, reason },
  );
}

/** A successor that serves: its pid, what the upgrade did, and how calls reach it. */
export interface SuccessorServing {
  outcome: UpgradeOutcome;
  forward: Forward;
  /** Closes the channel to the successor, once nothing more is forwarded. */
  release(): void;
}

export async function startSuccessor(daemon: UpgradingDaemon, request: UpgradeRequest): Promise<SuccessorServing> {
  const started = performance.now();
  const phases: UpgradeOutcome['phases'] = [];
  const phase = (text: string) => {
    phases.push({ ms: Math.round(performance.now() - started), phase: text });
    daemon.logger.info({ upgrade: text }, `upgrade: ${text}`);
  };
  const { readyTimeoutMs } = daemon.config.upgrade;
  const deadline = Date.now() + readyTimeoutMs;
  const { names, fds, ownsSocket } = daemon.handedListeners();
  const brief: SuccessorBrief = {
    home: daemon.config.home,
    options: daemon.options,
    from: { pid: process.pid, version: daemon.version },
    upgrades: daemon.upgrades,
    listeners: names,
    ownsSocket,
    expected: daemon.host
      .list()
      .filter((plugin) => plugin.state === 'ready')
      .map((plugin) => plugin.name),
  };
  const node = request.node ?? process.execPath;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...listenerEnvironment(names),
    [SUCCESSOR_ENV]: JSON.stringify(brief),
  };
  // The watchdog is the main pid's: the successor pings once it says MAINPID=.
  delete env.WATCHDOG_PID;
  const child = spawn(
    node,
    [
      ...(node === process.execPath ? process.execArgv : []),
      request.entry ?? built.cli,
      'start',
      '--foreground',
      '--home',
      brief.home,
    ],
    {
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', ...fds, 'ipc'],
      env,
    },
  );
  const link = new SuccessorChannel(child);
  const handover = new StateHandover(daemon.host, daemon.registry);
  let step = 'start';
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    phase(`successor started (pid ${child.pid})`);
    step = 'load';
    const loaded = await link.expect('loaded', deadline);
    phase(`${loaded.plugins} plugins loaded`);
    step = 'state';
    const states = await handover.freeze();
    link.send({ t: 'state', states });
    step = 'take over';
    await link.expect('serving', deadline);
    phase(`state carried for ${Object.keys(states).length}`);
    handover.forwardTo(link.forward);
    phase('old daemon draining');
    return {
      outcome: {
        pid: child.pid!,
        from: brief.from,
        version: daemon.version,
        plugins: loaded.plugins,
        stateCarried: Object.keys(states).length,
        phases,
        ms: Math.round(performance.now() - started),
      },
      forward: link.forward,
      release: () => link.close(),
    };
  } catch (error) {
    handover.thaw();
    link.abandon();
    const reason = (error as Error).message;
    daemon.logger.error({ upgrade: 'failed', phase: step, reason }, `upgrade failed (${step}): ${reason}`);
    throw upgradeFailed(step, reason);
  }
}

/** The IPC channel to the successor: its reports, and calls forwarded to it. */
class SuccessorChannel {
  private readonly answers = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  private nextId = 1;
  private exit: string | undefined;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromSuccessor) => {
      if (message.t !== 'answer') return;
      const waiter = this.answers.get(message.id);
      this.answers.delete(message.id);
      const answer = JSON.parse(message.text) as {
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
      };
      if (answer.error) waiter?.reject(new RpcError(answer.error.code, answer.error.message, answer.error.data));
      else waiter?.resolve(answer.result);
    });
    child.once('exit', (code, signal) => {
      this.exit = `the successor exited (${signal ?? `code ${code}`})`;
      for (const waiter of this.answers.values())
        waiter.reject(new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `${this.exit} before it answered`));
      this.answers.clear();
    });
  }

  readonly forward: Forward = (method, params) => {
    if (this.exit || !this.child.connected)
      return Promise.reject(
        new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `${this.exit ?? 'the successor is gone'}: ${method} not run`),
      );
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.answers.set(id, { resolve, reject });
      this.send({ t: 'call', id, method, params });
    });
  };

  send(message: ToSuccessor): void {
    this.child.send(message);
  }

  /** Waits for the successor's report `t`; a failure it reports, its exit or the deadline rejects. */
  expect<T extends FromSuccessor['t']>(t: T, deadline: number): Promise<Extract<FromSuccessor, { t: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromSuccessor) => {
        if (message.t === 'failed') done(new Error(message.error));
        else if (message.t === t) done(undefined, message as Extract<FromSuccessor, { t: T }>);
      };
      const onExit = () => done(new Error(this.exit ?? 'the successor exited'));
      const timer = setTimeout(
        () => done(new Error(`the successor was not ready within upgrade.readyTimeoutMs`)),
        Math.max(0, deadline - Date.now()),
      );
      const done = (error?: Error, message?: Extract<FromSuccessor, { t: T }>) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(message!);
      };
      if (this.exit) return done(new Error(this.exit));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** A failed upgrade: the successor, which has not taken the sockets, ends. */
  abandon(): void {
    if (!this.exit) this.child.kill('SIGKILL');
    this.close();
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.unref();
  }
}
