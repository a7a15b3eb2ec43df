// A stdio plugin's first line, `plugd.hello` (docs/PROTOCOL.md, "Hello"),
// read as untrusted input: what it declares becomes the worker manifest a JS
// plugin's setup would report, or the load fails with what is wrong.

import type { MethodSpec, WorkerManifest } from '../channel/protocol.js';
import { EXEC_PROTOCOL_VERSIONS } from './exec-discovery.js';

/** Names a stdio plugin calls and is called by that are plugd's own: no method of a plugin may take one. */
export const RESERVED_PREFIX = 'plugd.';

const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface ExecHello {
  manifest: WorkerManifest;
  /** Calls the plugin takes at once; more wait in the daemon. Undefined: no limit. */
  concurrency: number | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The hello's params as a manifest, or the first thing wrong with them. */
export function readHello(params: unknown): ExecHello | { problem: string } {
  if (!isObject(params)) return { problem: 'plugd.hello has no params object' };
  if (!EXEC_PROTOCOL_VERSIONS.includes(params.protocol as number)) {
    return {
      problem: `plugd.hello asks for protocol ${JSON.stringify(params.protocol)}; this plugd speaks ${EXEC_PROTOCOL_VERSIONS.join(', ')}`,
    };
  }
  if (!Array.isArray(params.methods)) return { problem: 'plugd.hello "methods" is not an array' };
  const methods: MethodSpec[] = [];
  for (const declared of params.methods) {
    const method = readMethod(declared);
    if (typeof method === 'string') return { problem: `plugd.hello: ${method}` };
    if (methods.some((known) => known.name === method.name))
      return { problem: `plugd.hello declares method ${method.name} twice` };
    methods.push(method);
  }
  if (params.snapshot !== undefined && typeof params.snapshot !== 'boolean')
    return { problem: 'plugd.hello "snapshot" is not a boolean' };
  const { concurrency } = params;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && (concurrency as number) > 0)) {
    return { problem: 'plugd.hello "concurrency" is not a positive integer' };
  }
  return {
    manifest: { methods, signals: [], hooks: [], snapshot: params.snapshot === true },
    concurrency: concurrency as number | undefined,
  };
}

/** One declared method, or what is wrong with it. */
function readMethod(declared: unknown): MethodSpec | string {
  if (!isObject(declared)) return 'a method is not an object';
  const { name, description, params, result, timeoutMs } = declared;
  if (typeof name !== 'string' || !METHOD_NAME.test(name))
    return `method name ${JSON.stringify(name)} is not a name (letters, digits, "_", "-", ".")`;
  if (name.startsWith(RESERVED_PREFIX)) return `method name ${name} is reserved (${RESERVED_PREFIX}*)`;
  if (description !== undefined && typeof description !== 'string')
    return `method ${name}: "description" is not a string`;
  if (params !== undefined && !isObject(params)) return `method ${name}: "params" is not a JSON Schema object`;
  if (result !== undefined && !isObject(result)) return `method ${name}: "result" is not a JSON Schema object`;
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && (timeoutMs as number) >= 0))
    return `method ${name}: "timeoutMs" is not a whole number of ms`;
  return { name, description, params, result, timeoutMs } as MethodSpec;
}
