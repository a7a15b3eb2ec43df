// JSON-RPC from the page: a POST to `/` on the page's own origin, which
// carries the session header (the server also checks the Origin).

import { sessionEnded, sessionHeaders } from './session.js';

/** The JSON-RPC code of a call without a valid session. */
const UNAUTHORIZED = -32004;

export class RpcAnswerError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

let nextId = 0;

export async function call<T = unknown>(method: string, params?: unknown): Promise<T> {
  const response = await fetch('/', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...sessionHeaders() },
    body: JSON.stringify({ jsonrpc: '2.0', method, params, id: ++nextId }),
  });
  const text = await response.text();
  let answer: { result?: T; error?: { code: number; message: string } };
  try {
    answer = JSON.parse(text);
  } catch {
    throw new RpcAnswerError(response.status, text.trim() || response.statusText);
  }
  if (answer.error?.code === UNAUTHORIZED) sessionEnded();
  if (answer.error) throw new RpcAnswerError(answer.error.code, answer.error.message);
  return answer.result as T;
}

/** How the page shows a failed call: `error CODE: message`. */
export function describeError(error: unknown): string {
  return error instanceof RpcAnswerError
    ? `error ${error.code}: ${error.message}`
    : `error: ${(error as Error).message}`;
}
