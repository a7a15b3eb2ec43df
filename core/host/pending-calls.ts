// The calls a worker owes answers to, each with a deadline. One timer sweeps
// them all instead of one timer per call: on the hot path a call costs a Map
// entry, not a setTimeout/clearTimeout pair. A deadline fires at most one
// sweep late, which is not late at all next to the 30 s default.

import type { RpcError } from '../rpc/errors.js';

interface PendingCall {
  method: string;
  deadline: number;
  timeoutMs: number;
  resolve(result: unknown): void;
  reject(error: RpcError): void;
}

export class PendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepAt = Infinity;
  private drainWaiters: Array<() => void> = [];

  /** `expired` makes the error a call gets when its deadline passes. */
  constructor(private readonly expired: (method: string, timeoutMs: number, id: number) => RpcError) {}

  get size(): number {
    return this.calls.size;
  }

  /** Registers call `id`; a `timeoutMs` of 0 gives it no deadline. */
  add(id: number, method: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const deadline = timeoutMs === 0 ? Infinity : performance.now() + timeoutMs;
      this.calls.set(id, { method, deadline, timeoutMs, resolve, reject });
      if (deadline < this.sweepAt) this.armSweep(deadline);
    });
  }

  /** Answers call `id` with `result`; false if it is not pending (its deadline passed first). */
  resolve(id: number, result: unknown): boolean {
    const call = this.take(id);
    call?.resolve(result);
    this.checkDrained();
    return call !== undefined;
  }

  /** Answers call `id` with `error`; false if it is not pending. */
  reject(id: number, error: RpcError): boolean {
    const call = this.take(id);
    call?.reject(error);
    this.checkDrained();
    return call !== undefined;
  }

  /** Answers every pending call with `error` (the worker died). */
  failAll(error: RpcError): void {
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    this.disarmSweep();
    this.checkDrained();
  }

  /** Resolves once no call is pending. */
  drained(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Resolves true once no call is pending, or false when `timeoutMs` passes first. */
  drainedWithin(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      void this.drained().then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private take(id: number): PendingCall | undefined {
    const call = this.calls.get(id);
    if (call) this.calls.delete(id);
    return call;
  }

  private sweep(): void {
    this.disarmSweep();
    const now = performance.now();
    let next = Infinity;
    for (const [id, call] of this.calls) {
      if (call.deadline <= now) {
        this.calls.delete(id);
        call.reject(this.expired(call.method, call.timeoutMs, id));
      } else if (call.deadline < next) {
        next = call.deadline;
      }
    }
    if (next !== Infinity) this.armSweep(next);
    this.checkDrained();
  }

  private armSweep(at: number): void {
    clearTimeout(this.sweepTimer);
    this.sweepAt = at;
    this.sweepTimer = setTimeout(() => this.sweep(), Math.max(0, at - performance.now()));
  }

  private disarmSweep(): void {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
  }

  private checkDrained(): void {
    if (this.calls.size > 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
