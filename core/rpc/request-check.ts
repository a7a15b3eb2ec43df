// What the dispatcher checks of a request before jayson sees it. jayson takes
// `"id": null` for a notification and answers an invalid request with
// `"id": null` even when its id was readable; and nothing checks that a value
// reaches its handler as it was written: a number literal outside the double
// range parses to Infinity, passes a number schema, and would reach a plugin
// as null. Such a request is refused instead (README, "Wire protocol").

import { ErrorCode } from './errors.js';
import { answerId, isNotification, isValidId, type JsonRpcResponse } from './json-rpc.js';

/** Why a message is not dispatched, and what (if anything) it is answered. */
export interface Refusal {
  answer: JsonRpcResponse | undefined;
}

const refusal = (message: unknown, code: number, text: string): Refusal => ({
  answer: { jsonrpc: '2.0', error: { code, message: text }, id: answerId(message) },
});

/** Undefined when `message` is a request (or notification) to dispatch. */
export function refuseRequest(message: unknown): Refusal | undefined {
  // jayson would parse a string as JSON text; a request is an object, nothing else.
  if (message === null || typeof message !== 'object' || Array.isArray(message))
    return refusal(null, ErrorCode.INVALID_REQUEST, 'Invalid Request');
  const request = message as Record<string, unknown>;
  if (request.id !== undefined && !isValidId(request.id)) {
    return refusal(
      null,
      ErrorCode.INVALID_REQUEST,
      'Invalid Request: id must be a string, a number JSON can write, or null',
    );
  }
  if (request.jsonrpc !== '2.0')
    return refusal(request, ErrorCode.INVALID_REQUEST, 'Invalid Request: jsonrpc must be "2.0"');
  if (typeof request.method !== 'string')
    return refusal(request, ErrorCode.INVALID_REQUEST, 'Invalid Request: method must be a string');
  const { params } = request;
  if (params === undefined) return undefined;
  if (params === null || typeof params !== 'object') {
    return refusal(request, ErrorCode.INVALID_REQUEST, 'Invalid Request: params must be an object or an array');
  }
  if (!holdsNonFinite(params)) return undefined;
  if (isNotification(request)) return { answer: undefined };
  const member = nonFinitePath(params);
  return refusal(
    request,
    ErrorCode.INVALID_PARAMS,
    `Invalid params: ${member} is a number outside the range JSON can carry`,
  );
}

// Both walks keep their own stack: params may nest deeper than the call stack goes.

function holdsNonFinite(root: object): boolean {
  const stack: object[] = [root];
  const holds = (child: unknown) => {
    if (typeof child === 'number') return !Number.isFinite(child);
    if (child !== null && typeof child === 'object') stack.push(child);
    return false;
  };
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (Array.isArray(value)) {
      for (const child of value) if (holds(child)) return true;
    } else {
      // JSON.parse makes plain objects: `for in` sees exactly their own keys, `__proto__` included.
      for (const key in value) if (holds((value as Record<string, unknown>)[key])) return true;
    }
  }
  return false;
}

/** Where a non-finite number sits, as `params.a[1]`; walked only once one is known to be there. */
function nonFinitePath(root: object): string {
  const stack: Array<[object, string]> = [[root, 'params']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    const members: Array<[string | number, unknown]> = Array.isArray(value)
      ? value.map((child, index) => [index, child])
      : Object.entries(value);
    for (const [key, child] of members) {
      const at = memberPath(path, key);
      if (typeof child === 'number' && !Number.isFinite(child)) return at;
      if (child !== null && typeof child === 'object') stack.push([child, at]);
    }
  }
  return 'params';
}

function memberPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
