// The one table of callable methods: built-ins, in-core methods of a library
// user, and plugin methods all live here, so introspection sees them alike.
// A plugin's methods are swapped in one step when it reloads.

import type { CallInfo } from '../hooks.js';
import type { JsonSchema } from '../channel/protocol.js';
import { compileSchema, type Validator } from '../config/schema.js';
import { ExistsError } from '../contract/errors.js';

export interface MethodDefinition {
  description?: string;
  params?: JsonSchema;
  result?: JsonSchema;
  /** Deadline for one call, where the method has one. */
  timeoutMs?: number;
  /** The names of the by-name params in order, for callers that pass them by position (positional.ts). */
  positional?: readonly string[];
}

/**
 * What the dispatcher runs for a method served in the daemon's process (a
 * built-in, a library user's `daemon.method`, a plugin's entry that forwards
 * to its worker). A plugin's own handler, in its worker, is the SDK's
 * `MethodHandler`.
 */
export type DaemonMethodHandler = (params: any, call: CallInfo) => unknown;

export interface MethodEntry extends MethodDefinition {
  name: string;
  /** `daemon` for built-ins, `app` for a library user's methods, else the plugin's name. */
  owner: string;
  /** The plugin serving the method, if any (for `error.data` and hooks). */
  plugin?: string;
  validate?: Validator;
  handler: DaemonMethodHandler;
}

export function defineMethod(
  name: string,
  owner: string,
  definition: MethodDefinition,
  handler: DaemonMethodHandler,
  plugin?: string,
): MethodEntry {
  return {
    ...definition,
    name,
    owner,
    plugin,
    validate: definition.params ? compileSchema(definition.params) : undefined,
    handler,
  };
}

export class MethodRegistry {
  private readonly methods = new Map<string, MethodEntry>();

  get(name: string): MethodEntry | undefined {
    return this.methods.get(name);
  }

  get size(): number {
    return this.methods.size;
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  list(): MethodEntry[] {
    return [...this.methods.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  add(entry: MethodEntry): void {
    const existing = this.methods.get(entry.name);
    if (existing) throw new ExistsError(`method ${entry.name} is already registered by ${existing.owner}`);
    this.methods.set(entry.name, entry);
  }

  /** Replaces every method of `owner` with `entries`, in one synchronous step. */
  replaceOwner(owner: string, entries: MethodEntry[]): void {
    for (const entry of entries) {
      const existing = this.methods.get(entry.name);
      if (existing && existing.owner !== owner) {
        throw new ExistsError(`method ${entry.name} is already registered by ${existing.owner}`);
      }
    }
    this.removeOwner(owner);
    for (const entry of entries) this.methods.set(entry.name, entry);
  }

  removeOwner(owner: string): void {
    for (const entry of this.methods.values()) if (entry.owner === owner) this.methods.delete(entry.name);
  }
}
