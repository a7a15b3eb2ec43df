// A plugin's methods as registry entries: named `<plugin>.<method>`, their
// params checked by validators of this version's own SchemaScope, once the
// manifest is within the schema caps. The daemon's supervisor and the SDK's
// test harness both make them here.

import { qualifiedMethodName, type MethodSpec } from '../channel/protocol.js';
import { defineMethod, type MethodEntry } from '../rpc/registry.js';
import { SchemaScope } from '../config/schema.js';
import { DEFAULT_LIMITS } from '../config/config.js';
import { checkSchemaCaps, type SchemaCaps } from './schema-caps.js';
import { PluginError } from '../contract/errors.js';

/**
 * Throws, naming the method, when a params schema does not compile or the
 * methods exceed `caps` (the daemon's `limits`). `schemas`
 * is this version's scope (made with the serving version's, to reuse its
 * unchanged validators).
 */
export function pluginMethodEntries(
  plugin: string,
  specs: MethodSpec[],
  call: (spec: MethodSpec, params: unknown) => Promise<unknown>,
  schemas = new SchemaScope(),
  caps: SchemaCaps = DEFAULT_LIMITS,
): MethodEntry[] {
  checkSchemaCaps(plugin, specs, caps);
  return specs.map((spec) => {
    const name = qualifiedMethodName(plugin, spec.name);
    const entry = defineMethod(name, plugin, spec, (params) => call(spec, params), plugin);
    if (!spec.params) return entry;
    try {
      return { ...entry, validate: schemas.compile(spec.params) };
    } catch (error) {
      throw new PluginError(`the params schema of ${name} does not compile: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}
