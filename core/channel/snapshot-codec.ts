// A plugin's snapshot crosses a plugin process's JSON channel
// (json-lines-endpoint.ts) as V8's serialization in base64: the structured
// clone a thread's port gives it, so a Map or a Date survives a reload in
// either kind of worker. Decoding bytes a plugin wrote may throw: the caller
// catches it.

import { deserialize, serialize } from 'node:v8';

export function encodeSnapshot(state: unknown): string {
  return serialize(state).toString('base64');
}

export function decodeSnapshot(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}
