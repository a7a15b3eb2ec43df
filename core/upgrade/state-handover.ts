// How an upgrade carries the state of stateful plugins (those with `snapshot`)
// from the old daemon to its successor, with one executor at a time: the old
// daemon holds new calls to such a plugin, lets those in flight finish and
// takes its snapshot; the successor restores it before it accepts; the calls
// held, and any the old daemon reads until it has drained, are forwarded to
// the successor. If the upgrade fails, the held calls run in the old daemon,
// whose plugin never stopped. The snapshot is the supervisor's freeze
// (PluginSupervisor.freeze): its gate also holds a call that was already past
// the method lookup, so none runs in the old daemon after its snapshot.

import type { MethodEntry, MethodRegistry } from '../rpc/registry.js';

/** What the hand-over needs of the plugin host. */
export interface StatefulPlugins {
  statefulPlugins(): string[];
  /** Closes the plugin's gate, lets its calls in flight finish, takes its snapshot (undefined: it keeps no state now). */
  freeze(name: string): Promise<{ value: unknown; release(): void } | undefined>;
  handoverRestore(name: string, state: unknown, timeoutMs: number): Promise<void>;
}

/** Runs a call in the successor. */
export type Forward = (method: string, params: unknown) => Promise<unknown>;

interface HeldCall {
  entry: MethodEntry;
  params: unknown;
  call: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The old daemon's half. */
export class StateHandover {
  private readonly originals = new Map<string, MethodEntry[]>();
  private readonly frozen: Array<{ release(): void }> = [];
  private held: HeldCall[] = [];
  private forward: Forward | undefined;

  constructor(
    private readonly plugins: StatefulPlugins,
    private readonly registry: MethodRegistry,
  ) {}

  /** Holds every new call to a stateful plugin, then snapshots each once its calls in flight are done. */
  async freeze(): Promise<Record<string, unknown>> {
    const names = this.plugins.statefulPlugins();
    for (const name of names) {
      const entries = this.registry.list().filter((entry) => entry.owner === name);
      this.originals.set(name, entries);
      this.registry.replaceOwner(
        name,
        entries.map((entry) => ({ ...entry, handler: (params, call) => this.route(entry, params, call) })),
      );
    }
    const states: Record<string, unknown> = {};
    await Promise.all(
      names.map(async (name) => {
        const frozen = await this.plugins.freeze(name);
        if (!frozen) return;
        this.frozen.push(frozen);
        states[name] = frozen.value;
      }),
    );
    return states;
  }

  /** The successor serves with the state: the held calls, and every later one, run there. */
  forwardTo(forward: Forward): void {
    this.forward = forward;
    for (const held of this.take()) forward(held.entry.name, held.params).then(held.resolve, held.reject);
  }

  /** The upgrade failed: the plugins' own methods come back, and the held calls run here. */
  thaw(): void {
    for (const [name, entries] of this.originals) this.registry.replaceOwner(name, entries);
    this.originals.clear();
    for (const frozen of this.frozen.splice(0)) frozen.release();
    for (const held of this.take()) {
      Promise.resolve()
        .then(() => held.entry.handler(held.params, held.call as never))
        .then(held.resolve, held.reject);
    }
  }

  private route(entry: MethodEntry, params: unknown, call: unknown): Promise<unknown> {
    if (this.forward) return this.forward(entry.name, params);
    return new Promise((resolve, reject) => this.held.push({ entry, params, call, resolve, reject }));
  }

  private take(): HeldCall[] {
    const held = this.held;
    this.held = [];
    return held;
  }
}

/** The successor's half: each plugin gets the state its predecessor had, before any call. */
export async function restoreStates(
  plugins: StatefulPlugins,
  states: Record<string, unknown>,
  timeoutMs: number,
): Promise<number> {
  await Promise.all(Object.entries(states).map(([name, state]) => plugins.handoverRestore(name, state, timeoutMs)));
  return Object.keys(states).length;
}
