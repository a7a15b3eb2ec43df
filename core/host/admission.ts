// Admission of a call to one plugin (ARCHITECTURE.md, "Admission"): the gate
// first while the plugin is frozen (worker-swap.ts), then only a ready,
// unpaused plugin under its in-flight cap takes the call; an idle onCall
// plugin is started by it (on-call.ts). Everything else is refused here.

import type { MethodSpec } from '../channel/protocol.js';
import { HostErrors } from './errors.js';
import type { OnCallActivation } from './on-call.js';
import type { SupervisedPlugin } from './supervised-plugin.js';
import type { WorkerSwap } from './worker-swap.js';

export class Admission {
  constructor(
    private readonly plugin: SupervisedPlugin,
    private readonly swap: WorkerSwap,
    private readonly onCall: OnCallActivation,
  ) {}

  /** A call to the plugin: while it is frozen, it waits at the gate (its deadline running), then goes to admission. */
  call(method: MethodSpec, params: unknown): Promise<unknown> {
    return this.enter(method, params, method.timeoutMs ?? this.plugin.env.supervision.callTimeoutMs);
  }

  /** The gate, then admission, within `timeoutMs`. */
  private enter(method: MethodSpec, params: unknown, timeoutMs: number): Promise<unknown> {
    return this.swap.enter(method.name, timeoutMs, (remainingMs) => this.admit(method, params, remainingMs));
  }

  /** Admission: only a ready, unpaused plugin under its in-flight cap takes the call. */
  private admit(method: MethodSpec, params: unknown, timeoutMs: number): Promise<unknown> {
    const { plugin } = this;
    const { worker, history } = plugin;
    this.onCall.called();
    if ((plugin.state === 'idle' || this.onCall.waking) && !history.paused) {
      // Through the gate again once started: a reload may have frozen it since.
      return this.onCall
        .wakeWithin(method.name, timeoutMs)
        .then((remainingMs) => this.enter(method, params, remainingMs));
    }
    if (plugin.state !== 'ready' || !worker?.alive || history.paused) {
      return Promise.reject(
        HostErrors.unavailable(plugin.name, plugin.state, history.paused, history.lastError?.message),
      );
    }
    if (worker.inFlight >= plugin.env.maxInFlight)
      return Promise.reject(HostErrors.overloaded(plugin.name, worker.inFlight));
    return worker.call(method.name, params, timeoutMs);
  }
}
