// The regular expressions of plugins' schemas (`pattern`, `patternProperties`)
// run on RE2, whose match time is linear in the input: with JavaScript's own
// backtracking engine, `^(\w+\s?)*$` against 33 characters that do not match
// holds the daemon's thread for tens of seconds. re2-wasm rather than the
// native re2: it installs as plain files (the native one compiles RE2 and
// abseil at every install that cannot download a prebuilt binary), and it
// loads only when the first plugin pattern compiles, so a daemon whose plugins
// have none never pays for it.

import { createRequire } from 'node:module';
import type * as Re2Wasm from 're2-wasm';
import { PluginError } from '../contract/errors.js';

let RE2: typeof Re2Wasm.RE2 | undefined;

/** What Ajv calls a pattern with: `test` is all it uses. */
export interface LinearRegExp {
  test(input: string): boolean;
}

/**
 * Ajv's `code.regExp`. Throws, naming the pattern, when RE2 cannot compile it
 * (backreferences and lookaround have no linear-time match).
 */
export function linearRegExp(pattern: string, flags: string): LinearRegExp {
  RE2 ??= (createRequire(import.meta.url)('re2-wasm') as typeof Re2Wasm).RE2;
  try {
    // RE2 works only in unicode mode; Ajv asks for it already (its unicodeRegExp default).
    return new RE2(pattern, flags.includes('u') ? flags : `${flags}u`);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /s, '');
    throw new PluginError(`pattern ${JSON.stringify(pattern)} cannot run in linear time (RE2: ${reason})`);
  }
}

/** For Ajv's standalone code, which plugd never generates: the expression that names the engine. */
linearRegExp.code = 'require("re2-wasm").RE2';
