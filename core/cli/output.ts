// How the CLI reports: results on stdout, one clear line per error on stderr,
// and the exit codes of the contract (0 ok, 1 error, 2 usage, 3 not running),
// chosen by the error's code, never by its message.

import { CommanderError } from 'commander';
import { CallError } from './client.js';
import { PlugdError, PlugdErrorCode } from '../contract/errors.js';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_RUNNING = 3;

/** The codes with an exit code of their own; every other error exits EXIT_ERROR. */
const EXIT_BY_CODE: Partial<Record<PlugdErrorCode, number>> = {
  [PlugdErrorCode.NOT_RUNNING]: EXIT_NOT_RUNNING,
};

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints `error` as one line (a stack trace only when verbose) and sets the exit code. */
export function reportError(error: unknown, verbose: boolean): void {
  if (error instanceof CommanderError) {
    // Commander has printed it (or the help, or the version, which end well).
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
    return;
  }
  const exitCode = error instanceof PlugdError ? EXIT_BY_CODE[error.code] : undefined;
  if (exitCode !== undefined) {
    // Its line says all (plugd is not running): no stack trace even when verbose.
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = exitCode;
    return;
  }
  if (error instanceof CallError) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    if (verbose && error.data !== undefined) process.stderr.write(`${JSON.stringify(error.data)}\n`);
  } else if (verbose && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  } else {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = EXIT_ERROR;
}
