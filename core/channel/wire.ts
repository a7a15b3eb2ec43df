// How channel messages travel through the shared-memory ring, as text. The
// hot path's two messages skip the JSON envelope: a call travels as
// `C<id> <method> <params JSON>` (the worker parses only the params), and a
// result as `R<id> <json>`, the JSON text the worker made of it, neither
// escaped into an envelope nor parsed back out of one: the core reads the id
// and passes the text on (see core/rpc/raw-json.ts). Every other message is
// its JSON, which starts with `{`.

import type { ChannelMessage } from './protocol.js';
import { decodeUtf8 } from './utf8.js';
import { ProtocolViolation } from './violation.js';

const CALL_TAG = 0x43; // 'C'
const RESULT_TAG = 0x52; // 'R'
const SPACE = 0x20;
const DIGIT_ZERO = 0x30;
/** Ids are safe integers: at most 16 digits. */
const MAX_ID_DIGITS = 16;

export function encodeMessage(message: ChannelMessage): string {
  switch (message.t) {
    case 'call':
      // Method names never hold a space (ctx.rpc.method's naming rule); absent params are left empty.
      return `C${message.id} ${message.method} ${JSON.stringify(message.params) ?? ''}`;
    case 'result':
      return `R${message.id} ${message.json}`;
    default:
      return JSON.stringify(message);
  }
}

/** Decodes the message in `bytes[start, end)`, straight from the ring; a malformed one throws a ProtocolViolation. */
export function decodeMessage(bytes: Buffer, start: number, end: number): ChannelMessage {
  const tag = bytes[start];
  if (tag !== CALL_TAG && tag !== RESULT_TAG) return parseJson(bytes, start, end) as ChannelMessage;
  // The id's digits, up to its space: scanned no further than `end`, and no longer than a safe integer.
  let id = 0;
  let at = start + 1;
  const idLimit = Math.min(end, at + MAX_ID_DIGITS);
  for (; at < idLimit && bytes[at] !== SPACE; at++) {
    const digit = bytes[at] - DIGIT_ZERO;
    if (digit < 0 || digit > 9) break;
    id = id * 10 + digit;
  }
  if (at === start + 1 || at >= end || bytes[at] !== SPACE) throw new ProtocolViolation('frame without a valid id');
  if (tag === RESULT_TAG) return { t: 'result', id, json: decodeUtf8(bytes, at + 1, end) };
  const methodEnd = bytes.indexOf(SPACE, at + 1);
  if (methodEnd === -1 || methodEnd >= end) throw new ProtocolViolation('call frame without params');
  const params = methodEnd + 1 === end ? undefined : parseJson(bytes, methodEnd + 1, end);
  return { t: 'call', id, method: decodeUtf8(bytes, at + 1, methodEnd), params };
}

function parseJson(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(decodeUtf8(bytes, start, end));
  } catch (error) {
    throw new ProtocolViolation(`frame is not JSON: ${(error as Error).message}`);
  }
}
