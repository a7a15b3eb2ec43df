// `rpc.discover`: an OpenRPC 1.x document built from the method registry, so
// plugin methods are described exactly like built-ins.

import type { MethodEntry } from './registry.js';

const ANY = {};

export function methodSignature(entry: MethodEntry) {
  return {
    name: entry.name,
    description: entry.description ?? '',
    owner: entry.owner,
    params: entry.params ?? ANY,
    result: entry.result ?? ANY,
  };
}

/** OpenRPC names each by-name param: the properties of an object schema become its params. */
function contentDescriptors(schema: MethodEntry['params']) {
  const properties = (schema?.properties ?? {}) as Record<string, { description?: string }>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    ...(property.description && { description: property.description }),
    required: required.has(name),
    schema: property,
  }));
}

export function openRpcDocument(entries: MethodEntry[], info: { version: string }) {
  return {
    openrpc: '1.3.2',
    info: {
      title: 'plugd',
      version: info.version,
      description: 'Control API of the plugd daemon and the methods of its plugins.',
    },
    methods: entries.map((entry) => ({
      name: entry.name,
      description: entry.description ?? '',
      paramStructure: entry.positional ? 'either' : 'by-name',
      params: contentDescriptors(entry.params),
      result: { name: 'result', schema: entry.result ?? ANY },
      ...(entry.plugin && { 'x-plugin': entry.plugin }),
    })),
  };
}
