// What a plugin may declare, checked before any of it compiles: its schemas
// compile on the daemon's thread, so without a cap one plugin's manifest (20,000
// methods, or one schema megabytes large or thousands deep) holds every client
// for as long as Ajv takes. The caps are `limits` in plugd.json.

import type { Limits } from '../config/config.js';
import { qualifiedMethodName, type JsonSchema, type MethodSpec } from '../channel/protocol.js';
import { HostErrors } from './errors.js';

export type SchemaCaps = Pick<Limits, 'maxMethodsPerPlugin' | 'maxSchemaBytes' | 'maxSchemaDepth'>;

/** Throws, naming the cap, the plugin and the method, when `specs` exceed one of `caps`. */
export function checkSchemaCaps(plugin: string, specs: MethodSpec[], caps: SchemaCaps): void {
  if (specs.length > caps.maxMethodsPerPlugin) {
    throw HostErrors.overLimit(
      `plugin ${plugin}`,
      `declares ${specs.length} methods`,
      'maxMethodsPerPlugin',
      caps.maxMethodsPerPlugin,
    );
  }
  for (const spec of specs) {
    for (const kind of ['params', 'result'] as const) {
      const schema = spec[kind];
      if (schema !== undefined)
        checkSchema(`the ${kind} schema of ${qualifiedMethodName(plugin, spec.name)}`, schema, caps);
    }
  }
}

function checkSchema(what: string, schema: JsonSchema, caps: SchemaCaps): void {
  // Depth first, walked without recursion: JSON.stringify of a schema deeper than the stack throws.
  const depth = depthBeyond(schema, caps.maxSchemaDepth);
  if (depth > caps.maxSchemaDepth)
    throw HostErrors.overLimit(what, `nests over ${caps.maxSchemaDepth} deep`, 'maxSchemaDepth', caps.maxSchemaDepth);
  const bytes = Buffer.byteLength(JSON.stringify(schema));
  if (bytes > caps.maxSchemaBytes)
    throw HostErrors.overLimit(what, `is ${bytes} bytes`, 'maxSchemaBytes', caps.maxSchemaBytes);
}

/** The nesting depth of `value` (a scalar is 0), or `max + 1` as soon as it goes deeper than `max`. */
function depthBeyond(value: unknown, max: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > max) return max + 1;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
