// Every error the plugin host raises, made here with one wording (piscina's
// errors.ts is the model): a person reading the log line or the JSON-RPC error
// knows which plugin, which phase, and which limit. `data` names the plugin
// and the phase for programs.

import { ErrorCode, RpcError } from '../rpc/errors.js';
import { qualifiedMethodName, type ControlPhase } from '../channel/protocol.js';
import { type PluginState } from '../contract/plugin-status.js';

/** A phase of a plugin's life that can fail or miss its deadline. */
export type Phase = ControlPhase | 'freeze' | 'drain' | 'call';

const VERB: Record<Phase, string> = {
  load: 'load',
  restore: 'restore its state',
  snapshot: 'snapshot its state',
  pause: 'pause',
  freeze: 'freeze',
  resume: 'resume',
  drain: 'drain',
  stop: 'stop',
  call: 'answer',
};

export const HostErrors = {
  /** A phase of `plugin` failed; the reason says how. */
  phaseFailed(plugin: string, phase: Phase, reason: string): RpcError {
    return new RpcError(ErrorCode.INTERNAL_ERROR, `plugin ${plugin} failed to ${VERB[phase]}: ${reason}`, {
      plugin,
      phase,
      reason,
    });
  },

  /** The reason of a phase that ran out of time. */
  deadlineMissed(phase: Phase, timeoutMs: number): Error {
    return new Error(`${phase} missed its deadline of ${timeoutMs} ms`);
  },

  /** The reason of a freeze whose calls in flight outlast `freezeTimeoutMs`. */
  freezeExpired(inFlight: number, timeoutMs: number): Error {
    return new Error(`${inFlight} call(s) still running after the freezeTimeoutMs of ${timeoutMs} ms`);
  },

  /** The reason of a phase cut short by the worker's death. */
  diedDuring(phase: Phase, reason: string): Error {
    return new Error(`worker died during ${phase}: ${reason}`);
  },

  /** The plugin's code reported a failure (its own words): the phase is named where the error is wrapped. */
  reported(message: string): Error {
    return new Error(message);
  },

  callDeadline(plugin: string, method: string, timeoutMs: number): RpcError {
    return new RpcError(
      ErrorCode.DEADLINE_EXCEEDED,
      `${qualifiedMethodName(plugin, method)} exceeded its deadline of ${timeoutMs} ms`,
      { plugin, phase: 'call' },
    );
  },

  /** Params the channel cannot carry (too deep to serialise, for one): refused before anything is pending. */
  unsendable(plugin: string, method: string, reason: string): RpcError {
    return new RpcError(
      ErrorCode.INVALID_PARAMS,
      `${qualifiedMethodName(plugin, method)}: params cannot be sent: ${reason}`,
      {
        plugin,
        phase: 'call',
      },
    );
  },

  overloaded(plugin: string, inFlight: number): RpcError {
    return new RpcError(ErrorCode.OVERLOADED, `plugin ${plugin} is overloaded: ${inFlight} calls in flight`, {
      plugin,
    });
  },

  /** Why a worker that broke the protocol was ended: its crash reason, its log line, its `lastError`. */
  violation(detail: string): string {
    return `protocol violation: ${detail}`;
  },

  /** `plugin` cannot join the shared worker `sharedWorker`, where `member` runs: `why` says how they disagree. */
  sharedWorkerConflict(plugin: string, sharedWorker: string, member: string, why: string): RpcError {
    return HostErrors.phaseFailed(
      plugin,
      'load',
      `it cannot share worker "${sharedWorker}" with ${member}: ${why} (the members of a shared worker must agree)`,
    );
  },

  /** A stdio plugin is a program of its own: it cannot run in a shared worker. */
  sharedWorkerExec(plugin: string, sharedWorker: string): RpcError {
    return HostErrors.phaseFailed(
      plugin,
      'load',
      `it is a stdio plugin (its own program) and cannot run in shared worker "${sharedWorker}"`,
    );
  },

  /** A frozen plugin's queue is full (as many calls wait as may be in flight). */
  queueFull(plugin: string, waiting: number): RpcError {
    return new RpcError(
      ErrorCode.OVERLOADED,
      `plugin ${plugin} is overloaded: ${waiting} calls waiting while it is frozen`,
      { plugin, phase: 'freeze' },
    );
  },

  /** A worker that is gone; its calls in flight get this. */
  workerGone(plugin: string, reason: string): RpcError {
    return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${plugin} is unavailable: ${reason}`, { plugin });
  },

  /** Why a plugin takes no calls now, from its state. */
  unavailable(plugin: string, state: PluginState, paused: boolean, lastError: string | undefined): RpcError {
    const data = { plugin, state };
    if (paused)
      return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${plugin} is paused`, { ...data, paused: true });
    switch (state) {
      case 'failed':
        return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${plugin} failed: ${lastError}`, data);
      case 'backoff':
      case 'crashed':
        return new RpcError(
          ErrorCode.PLUGIN_UNAVAILABLE,
          `plugin ${plugin} is restarting after a crash: ${lastError}`,
          data,
        );
      default:
        return new RpcError(ErrorCode.PLUGIN_UNAVAILABLE, `plugin ${plugin} is ${state}`, data);
    }
  },

  noSuchPlugin(name: string): RpcError {
    return new RpcError(ErrorCode.INVALID_PARAMS, `no plugin named ${name}`, { plugin: name });
  },

  nameTaken(name: string, by?: string): RpcError {
    const where = by ? ` by ${by}` : '';
    return new RpcError(ErrorCode.INVALID_PARAMS, `a plugin named ${name} is already loaded${where}`, { plugin: name });
  },

  notLoadable(path: string, reason: string): RpcError {
    return new RpcError(ErrorCode.INVALID_PARAMS, `${path}: ${reason}`);
  },

  /** The reason of a load whose plugin declares more than one of the `limits` allows (schema-caps.ts). */
  overLimit(what: string, amount: string, limit: string, cap: number): Error {
    return new Error(`${what} ${amount}, over limits.${limit} (${cap})`);
  },

  notReloadable(name: string, reason: string): RpcError {
    return new RpcError(ErrorCode.INTERNAL_ERROR, `plugin ${name} cannot be reloaded: ${reason}`, { plugin: name });
  },
};

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
