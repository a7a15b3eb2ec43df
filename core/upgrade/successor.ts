// The successor's side of `plugd upgrade` (the sequence is in protocol.ts):
// it starts like any daemon but neither takes the pidfile nor listens; once
// every plugin the old daemon served is ready here, it takes the stateful
// plugins' state, starts accepting on the inherited sockets, replaces the
// pidfile and reports that it serves; then it runs the calls forwarded to it.
// A failure is reported to the old daemon, which serves on.

import type { PluginStatus } from '../contract/plugin-status.js';
import type { CallContext, Dispatcher } from '../rpc/dispatcher.js';
import { answerText } from '../rpc/answer-text.js';
import { SUCCESSOR_ENV, type FromSuccessor, type SuccessorBrief, type ToSuccessor } from './protocol.js';
import { restoreStates, type StatefulPlugins } from './state-handover.js';
import { UpgradeError } from '../contract/errors.js';

/** The brief this process was started with as a successor, or undefined; removed from the environment. */
export function takeSuccessorBrief(env: NodeJS.ProcessEnv = process.env): SuccessorBrief | undefined {
  const text = env[SUCCESSOR_ENV];
  delete env[SUCCESSOR_ENV];
  return text && process.send ? (JSON.parse(text) as SuccessorBrief) : undefined;
}

/** What taking over needs of the successor daemon. */
export interface TakingOverDaemon {
  readonly host: StatefulPlugins & { list(): PluginStatus[] };
  readonly dispatcher: Dispatcher;
  /** Starts accepting on the inherited sockets. */
  listen(): Promise<void>;
  /** Makes the pidfile name this process (replacing the old daemon's in one step). */
  takePidfile(): void;
}

const FORWARDED: CallContext = { transport: 'unix' };

export class Succession {
  private states: Promise<Record<string, unknown>>;

  constructor(readonly brief: SuccessorBrief) {
    this.states = new Promise((resolve) => {
      const onState = (message: ToSuccessor) => {
        if (message.t !== 'state') return;
        process.off('message', onState);
        resolve(message.states);
      };
      process.on('message', onState);
    });
  }

  /** Everything between "plugins loaded" and "serving"; throws (for `failed`) if anything goes wrong. */
  async takeOver(daemon: TakingOverDaemon, timeoutMs: number): Promise<void> {
    const plugins = daemon.host.list();
    const missing = this.brief.expected.filter(
      (name) => plugins.find((plugin) => plugin.name === name)?.state !== 'ready',
    );
    if (missing.length > 0) {
      const why = missing.map(
        (name) => `${name}: ${plugins.find((plugin) => plugin.name === name)?.lastError ?? 'not found'}`,
      );
      throw new UpgradeError(`plugins ready in the old daemon did not load in the successor (${why.join('; ')})`);
    }
    this.report({ t: 'loaded', plugins: plugins.filter((plugin) => plugin.state === 'ready').length });
    const gone = new Promise<never>((_, reject) =>
      process.once('disconnect', () => reject(new UpgradeError('the old daemon went away before handing over'))),
    );
    const states = await Promise.race([this.states, gone]);
    await restoreStates(daemon.host, states, timeoutMs);
    await daemon.listen();
    daemon.takePidfile();
    process.on('message', (message: ToSuccessor) => {
      if (message.t === 'call') void this.run(daemon.dispatcher, message);
    });
    this.report({ t: 'serving', pid: process.pid });
    // The channel lives as long as the old daemon forwards calls; it never keeps this daemon up.
    process.channel?.unref();
  }

  /** Tells the old daemon why this successor gives up, and lets go of the channel so it can exit. */
  failed(error: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (!process.connected) return resolve();
      process.send!({ t: 'failed', error: (error as Error).message } satisfies FromSuccessor, () => {
        process.disconnect();
        resolve();
      });
    });
  }

  private async run(dispatcher: Dispatcher, call: Extract<ToSuccessor, { t: 'call' }>): Promise<void> {
    const answer = await dispatcher.handle(
      { jsonrpc: '2.0', id: call.id, method: call.method, params: call.params },
      FORWARDED,
    );
    if (answer && process.connected) this.report({ t: 'answer', id: call.id, text: answerText(answer) });
  }

  private report(message: FromSuccessor): void {
    process.send?.(message);
  }
}
