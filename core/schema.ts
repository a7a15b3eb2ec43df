// One JSON Schema validator for the whole core: config files and method params.
// Ajv rather than TypeBox's own checker because plugin schemas arrive from
// workers as plain JSON Schema (structured clone drops TypeBox's symbols).

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: false, coerceTypes: false });

export type Validator = ValidateFunction;

export function compileSchema(schema: object): Validator {
  return ajv.compile(schema);
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
