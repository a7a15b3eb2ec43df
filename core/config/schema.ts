// JSON Schema validation for config files and method params. Ajv rather than
// TypeBox's own checker because plugin schemas arrive from workers as plain
// JSON Schema (structured clone drops TypeBox's symbols). The core's own
// schemas share one Ajv, compiled on first use: compiling every built-in's
// schema at start cost more than the rest of the daemon's startup. Each
// version of each plugin gets a SchemaScope of its own, so two plugins (or two
// versions of one) may both declare `$id: "Req"`, and a scope goes away with
// the version that made it. Plugins' schemas compile apart from the core's:
// their patterns run on RE2 (trust/linear-regexp.ts), the core's on JavaScript's.
//
// No Ajv here checks schemas against JSON Schema's meta-schema: compiling that
// validator grew the daemon by 5 MB at its first plugin load (`npm run bench --
// rss`: rss.idle.10plugins). Ajv's compile
// refuses on its own what it cannot turn into a validator (an unknown type, a
// keyword with a value of the wrong kind, a $ref it cannot resolve, a pattern
// that is no regular expression, in a plugin's one none RE2 can run), and that
// is what fails a plugin's load.

import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv as AjvInstance, ErrorObject, Options, ValidateFunction } from 'ajv';
import { built } from '../package-root.js';
import { linearRegExp } from '../trust/linear-regexp.js';

export interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

function newAjv(regExp?: NonNullable<Options['code']>['regExp']): AjvInstance {
  const { Ajv } = createRequire(import.meta.url)(built.ajv) as typeof AjvModule;
  // meta: false: no meta-schema is checked against, so none is kept either.
  return new Ajv({
    allErrors: false,
    strict: false,
    useDefaults: false,
    coerceTypes: false,
    validateSchema: false,
    meta: false,
    ...(regExp && { code: { regExp } }),
  });
}

/**
 * One Ajv, made at its first use, and the validators it compiled for schemas
 * without `$id`, by schema text, shared for as long as something uses them:
 * built-ins and plugins repeat schemas, and each compile costs Ajv 35 KB (in
 * rss.idle.10plugins of `npm run bench -- rss`). Such
 * a schema can clash with no other, so it compiles in the shared Ajv, which
 * forgets it at once (the validator lives on): ten plugins cost one Ajv, not ten.
 */
class SharedAjv {
  private ajv: AjvInstance | undefined;
  private readonly byText = new Map<string, WeakRef<ValidateFunction>>();
  private readonly forget = new FinalizationRegistry<string>((text) => {
    if (!this.byText.get(text)?.deref()) this.byText.delete(text);
  });

  constructor(private readonly regExp?: typeof linearRegExp) {}

  compile(schema: object, text: string): ValidateFunction {
    const known = this.byText.get(text)?.deref();
    if (known) return known;
    const shared = (this.ajv ??= newAjv(this.regExp));
    let compiled: ValidateFunction;
    try {
      compiled = shared.compile(schema);
    } finally {
      shared.removeSchema(schema);
    }
    this.byText.set(text, new WeakRef(compiled));
    this.forget.register(compiled, text);
    return compiled;
  }
}

/** The core's own schemas, written with plugd: JavaScript's regular expressions. */
const coreSchemas = new SharedAjv();
/** Plugins' schemas: their patterns on RE2 (trust/linear-regexp.ts). */
const pluginSchemas = new SharedAjv(linearRegExp);

/**
 * A validator whose `errors` are its own call's: a compiled function shared
 * by plugins keeps the errors of whichever call ran last. `compile` runs at
 * the first call.
 */
function reporting(compile: () => ValidateFunction): Validator {
  let compiled: ValidateFunction | undefined;
  const validate: Validator = (value) => {
    compiled ??= compile();
    const valid = compiled(value);
    validate.errors = compiled.errors;
    return valid;
  };
  return validate;
}

export function compileSchema(schema: object): Validator {
  return reporting(() => coreSchemas.compile(schema, JSON.stringify(schema)));
}

/**
 * The validators of one version of one plugin, compiled at once so a schema
 * that does not compile fails its load (their patterns run on RE2). A schema with an `$id` compiles in the
 * version's own Ajv (ids register there), unless the previous version had it
 * word for word: then its validator is kept, and a reload recompiles only what
 * changed. Schemas without one are shared by text already.
 */
export class SchemaScope {
  /** Made for the first schema with an `$id` that needs compiling. */
  private ajv: AjvInstance | undefined;
  private readonly byText = new Map<string, Validator>();
  /** The validators of the version before (not that version's own before: no chain of versions stays alive). */
  private readonly reusable: ReadonlyMap<string, Validator> | undefined;

  constructor(previous?: SchemaScope) {
    this.reusable = previous?.byText;
  }

  /** Throws, saying why, when `schema` is not a schema Ajv can compile. */
  compile(schema: object): Validator {
    const text = JSON.stringify(schema);
    if (!text.includes('"$id"')) {
      const compiled = pluginSchemas.compile(schema, text);
      return reporting(() => compiled);
    }
    let validate = this.byText.get(text) ?? this.reusable?.get(text);
    if (!validate) {
      const compiled = (this.ajv ??= newAjv(linearRegExp)).compile(schema);
      validate = reporting(() => compiled);
    }
    this.byText.set(text, validate);
    return validate;
  }
}

/** One line that says what is wrong, naming the member at fault. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root = 'params'): string {
  if (!errors?.length) return `${root} are invalid`;
  return withChoicesFolded(errors)
    .map((error) => {
      const where = `${root}${error.instancePath.replaceAll('/', '.')}`;
      if (error.keyword === 'additionalProperties') {
        return `${where} has an unknown member "${(error.params as { additionalProperty: string }).additionalProperty}"`;
      }
      if (error.keyword === 'enum')
        return `${where} must be one of ${choices((error.params as { allowedValues: unknown[] }).allowedValues)}`;
      return `${where} ${error.message ?? 'is invalid'}`;
    })
    .join('; ');
}

const choices = (values: unknown[]) => values.map((value) => JSON.stringify(value)).join(', ');

/**
 * A union of constants (TypeBox's Union of Literals) fails with one `const`
 * error per branch and an `anyOf`: folded into one `enum` error that lists
 * the allowed values, as a person needs it.
 */
function withChoicesFolded(errors: ErrorObject[]): ErrorObject[] {
  const branchesOf = (union: ErrorObject) =>
    errors.filter((other) => other.schemaPath.startsWith(`${union.schemaPath}/`));
  const foldable = (error: ErrorObject) => {
    const branches = error.keyword === 'anyOf' ? branchesOf(error) : [];
    return (
      branches.length > 0 &&
      branches.every((branch) => branch.keyword === 'const' && branch.instancePath === error.instancePath)
    );
  };
  const unions = errors.filter(foldable);
  const folded = new Set(unions.flatMap(branchesOf));
  return errors
    .filter((error) => !folded.has(error))
    .map((error) =>
      unions.includes(error)
        ? {
            ...error,
            keyword: 'enum',
            params: {
              allowedValues: branchesOf(error).map(
                (branch) => (branch.params as { allowedValue: unknown }).allowedValue,
              ),
            },
          }
        : error,
    );
}
