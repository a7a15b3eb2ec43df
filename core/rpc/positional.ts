// Params by position. XML-RPC (and multicall) params are positional; one
// struct among them is taken as JSON-RPC by-name params. A method that names
// its params in order (`positional`) takes them by position too, as the
// XML-RPC introspection spec and comodojo's `worker.*` methods are called:
// `system.methodHelp("echo.say")`.

import { ErrorCode, RpcError } from './errors.js';

export function positionalToParams(values: unknown[]): unknown {
  if (values.length === 0) return undefined;
  const [first] = values;
  if (values.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first)) return first;
  return values;
}

/** `values` as by-name params, named in order by `names`. */
export function namePositional(method: string, names: readonly string[], values: unknown[]): Record<string, unknown> {
  if (values.length > names.length) {
    throw new RpcError(
      ErrorCode.INVALID_PARAMS,
      `Invalid params: ${method} takes at most ${names.length} by position (${names.join(', ')})`,
      {
        method,
      },
    );
  }
  return Object.fromEntries(values.map((value, index) => [names[index], value]));
}
