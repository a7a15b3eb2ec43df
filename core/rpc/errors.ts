// JSON-RPC error codes: the standard ones and plugd's own (DESIGN.md, "Wire protocol").

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

/** An error that answers a call with a JSON-RPC error object of its own code. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }

  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** Turns anything a handler threw into a JSON-RPC error object. */
export function toWireError(error: unknown, data?: unknown): WireError {
  if (error instanceof RpcError) return error.toWire();
  const message = error instanceof Error ? error.message : String(error);
  return data === undefined
    ? { code: ErrorCode.INTERNAL_ERROR, message }
    : { code: ErrorCode.INTERNAL_ERROR, message, data };
}

/** An error answer for each request in `message` that expects one (a notification expects none). */
export function errorAnswers(message: unknown, code: number, text: string): JsonRpcResponse | JsonRpcResponse[] | undefined {
  const answer = (request: unknown) =>
    isNotification(request) ? undefined : { jsonrpc: '2.0', error: { code, message: text }, id: answerId(request) };
  if (!Array.isArray(message)) return answer(message);
  const answers = message.map(answer).filter((one) => one !== undefined);
  return answers.length > 0 ? answers : undefined;
}
