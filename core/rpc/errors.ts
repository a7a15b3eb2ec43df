// JSON-RPC error codes: the standard ones and plugd's own (README, "Error codes"),
// and the one converter from a thrown value to a JSON-RPC error object.

import type { WireError } from '../channel/protocol.js';
import { answerId, isNotification, type JsonRpcResponse } from './json-rpc.js';

export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  PLUGIN_UNAVAILABLE: -32001,
  DEADLINE_EXCEEDED: -32003,
  UNAUTHORIZED: -32004,
  OVERLOADED: -32005,
} as const;

/**
 * Marks an RpcError made by any copy of plugd (a plugin may bundle its own SDK):
 * only a branded error carries its own code, so an `AbortError` (code 20) or a
 * database error (code 11000) is not mistaken for a JSON-RPC error object.
 */
const RPC_ERROR_BRAND = Symbol.for('plugd.RpcError');

/** An error that answers a call with a JSON-RPC error object of its own code. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  readonly [RPC_ERROR_BRAND] = true;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

function isRpcError(error: unknown): error is RpcError {
  const candidate = error as { [RPC_ERROR_BRAND]?: unknown; code?: unknown; message?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate[RPC_ERROR_BRAND] === true &&
    Number.isInteger(candidate.code) &&
    typeof candidate.message === 'string'
  );
}

/**
 * The one converter from anything a handler threw to a JSON-RPC error object.
 * An RpcError keeps its code; anything else is -32603. With `plugin`, the
 * error names it (in the message of a -32603, and in `data` unless the RpcError has data of its own).
 */
export function toWireError(error: unknown, plugin?: string): WireError {
  const named = plugin === undefined ? undefined : { plugin };
  if (isRpcError(error)) {
    const data = error.data ?? named;
    return data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (plugin === undefined) return { code: ErrorCode.INTERNAL_ERROR, message };
  return { code: ErrorCode.INTERNAL_ERROR, message: `${plugin}: ${message}`, data: named };
}

/** An error answer for each request in `message` that expects one (a notification expects none). */
export function errorAnswers(
  message: unknown,
  code: number,
  text: string,
): JsonRpcResponse | JsonRpcResponse[] | undefined {
  const answer = (request: unknown) =>
    isNotification(request) ? undefined : { jsonrpc: '2.0', error: { code, message: text }, id: answerId(request) };
  if (!Array.isArray(message)) return answer(message);
  const answers = message.map(answer).filter((one) => one !== undefined);
  return answers.length > 0 ? answers : undefined;
}
