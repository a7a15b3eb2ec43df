// The JSON text of an answer (or a batch of them). A result that is already
// JSON text (a plugin's, see raw-json.ts) is spliced in as it is.

import type { JsonRpcResponse } from './dispatcher.js';
import { RawJson } from './raw-json.js';

/** Throws, as JSON.stringify does, on a result JSON cannot express (a BigInt, a cycle). */
export function answerText(answer: JsonRpcResponse | JsonRpcResponse[]): string {
  if (!Array.isArray(answer)) return oneAnswer(answer);
  return `[${answer.map(oneAnswer).join(',')}]`;
}

function oneAnswer(answer: JsonRpcResponse): string {
  // jayson's success answers are exactly { jsonrpc, id, result }, in that order.
  if (answer.result instanceof RawJson) return `{"jsonrpc":"2.0","id":${JSON.stringify(answer.id)},"result":${answer.result.text}}`;
  return JSON.stringify(answer);
}
