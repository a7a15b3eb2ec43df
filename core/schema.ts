// JSON Schema validation for config files and method params. Ajv rather than
// TypeBox's own checker because plugin schemas arrive from workers as plain
// JSON Schema (structured clone drops TypeBox's symbols). The core's own
// schemas share one Ajv, compiled on first use: compiling every built-in's
// schema at start cost more than the rest of the daemon's startup. Each
// version of each plugin gets a SchemaScope of its own, so two plugins (or two
// versions of one) may both declare `$id: "Req"`, and a scope goes away with
// the version that made it.

import { createRequire } from 'node:module';
import type { Ajv as AjvInstance, ErrorObject, ValidateFunction } from 'ajv';

export interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let ajv: AjvInstance | undefined;

function newAjv(): AjvInstance {
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  return new Ajv({ allErrors: false, strict: false, useDefaults: false, coerceTypes: false });
}

function instance(): AjvInstance {
  return (ajv ??= newAjv());
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

/** The validators of one version of one plugin, compiled at once so a schema that does not compile fails its load. */
export class SchemaScope {
  private readonly ajv = newAjv();

  /** Throws, saying why, when `schema` is not a schema Ajv can compile. */
  compile(schema: object): Validator {
    const compiled = this.ajv.compile(schema);
    const validate: Validator = (value) => {
      const valid = compiled(value) as boolean;
      validate.errors = compiled.errors;
      return valid;
    };
    return validate;
  }
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
