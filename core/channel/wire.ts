// How channel messages travel through the shared-memory ring, as text. A
// result, the bulk of the traffic, travels as `R<id> <json>`: the JSON text
// the worker made of it is neither escaped into an envelope nor parsed back
// out of one, so the core reads only the id and passes the text on (see
// core/rpc/raw-json.ts). Every other message is its JSON, which starts with `{`.

import type { ChannelMessage } from './protocol.js';
import { decodeUtf8 } from './utf8.js';

const RESULT_TAG = 0x52; // 'R'
const SPACE = 0x20;
const DIGIT_ZERO = 0x30;

export function encodeMessage(message: ChannelMessage): string {
  return message.t === 'result' ? `R${message.id} ${message.json}` : JSON.stringify(message);
}

/** Decodes the message in `bytes[start, end)`, straight from the ring. */
export function decodeMessage(bytes: Buffer, start: number, end: number): ChannelMessage {
  if (bytes[start] !== RESULT_TAG) return JSON.parse(decodeUtf8(bytes, start, end)) as ChannelMessage;
  let id = 0;
  let at = start + 1;
  for (; bytes[at] !== SPACE; at++) id = id * 10 + bytes[at] - DIGIT_ZERO;
  return { t: 'result', id, json: decodeUtf8(bytes, at + 1, end) };
}
