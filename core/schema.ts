// One JSON Schema validator for the whole core: config files and method params.
// Ajv rather than TypeBox's own checker because plugin schemas arrive from
// workers as plain JSON Schema (structured clone drops TypeBox's symbols).
// Ajv and each schema are compiled on first use: compiling every built-in's
// schema at start cost more than the rest of the daemon's startup.

import { createRequire } from 'node:module';
import type { Ajv as AjvInstance, ErrorObject, ValidateFunction } from 'ajv';

export interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let ajv: AjvInstance | undefined;

function instance(): AjvInstance {
  if (ajv) return ajv;
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  return (ajv = new Ajv({ allErrors: false, strict: false, useDefaults: false, coerceTypes: false }));
}

/** Compiled validators by schema text: built-ins and plugins repeat the same schemas. */
const compiledByText = new Map<string, ValidateFunction>();

function compiledFor(schema: object): ValidateFunction {
  const text = JSON.stringify(schema);
  let compiled = compiledByText.get(text);
  if (!compiled) compiledByText.set(text, (compiled = instance().compile(schema)));
  return compiled;
}

export function compileSchema(schema: object): Validator {
  let compiled: ValidateFunction | undefined;
  const validate: Validator = (value) => {
    compiled ??= compiledFor(schema);
    const valid = compiled(value) as boolean;
    validate.errors = compiled.errors;
    return valid;
  };
  return validate;
}

/** One line that says what is wrong, naming the member at fault. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root = 'params'): string {
  if (!errors?.length) return `${root} are invalid`;
  return errors
    .map((error) => {
      const where = `${root}${error.instancePath.replaceAll('/', '.')}`;
      if (error.keyword === 'additionalProperties') {
        return `${where} has an unknown member "${(error.params as { additionalProperty: string }).additionalProperty}"`;
      }
      return `${where} ${error.message ?? 'is invalid'}`;
    })
    .join('; ');
}
