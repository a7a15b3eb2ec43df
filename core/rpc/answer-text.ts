// The JSON text of an answer (or a batch of them). A result that is already
// JSON text (a plugin's, see raw-json.ts) is spliced in as it is. An answer
// that cannot be sent (a result JSON cannot express, or one larger than the
// connection may hold unread) is answered with -32603 in its place: the
// client learns why, and its connection stays.

import { ErrorCode } from './errors.js';
import type { JsonRpcResponse } from './json-rpc.js';
import { RawJson } from './raw-json.js';

/** The answer line without its newline; `maxBytes` bounds each answer (limits.maxPendingWriteBytes). */
export function answerText(answer: JsonRpcResponse | JsonRpcResponse[], maxBytes = Infinity): string {
  if (!Array.isArray(answer)) return oneAnswer(answer, maxBytes);
  return `[${answer.map((one) => oneAnswer(one, maxBytes)).join(',')}]`;
}

function oneAnswer(answer: JsonRpcResponse, maxBytes: number): string {
  let text: string;
  try {
    text = answerJson(answer);
  } catch (error) {
    return internalError(answer, `result cannot be sent as JSON: ${(error as Error).message}`);
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8: only a long text needs counting.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text);
    if (bytes > maxBytes)
      return internalError(answer, `answer too large: ${bytes} bytes, over limits.maxPendingWriteBytes (${maxBytes})`);
  }
  return text;
}

/** Throws, as JSON.stringify does, on a result JSON cannot express (a BigInt, a cycle, nesting too deep). */
function answerJson(answer: JsonRpcResponse): string {
  // jayson's success answers are exactly { jsonrpc, id, result }, in that order.
  if (answer.result instanceof RawJson)
    return `{"jsonrpc":"2.0","id":${JSON.stringify(answer.id)},"result":${answer.result.text}}`;
  return JSON.stringify(answer);
}

function internalError(answer: JsonRpcResponse, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code: ErrorCode.INTERNAL_ERROR, message }, id: answer.id ?? null });
}
