// How the CLI reports: results on stdout, one clear line per error on stderr,
// and the exit codes of the contract (0 ok, 1 error, 2 usage, 3 not running).

import { CommanderError } from 'commander';
import { CallError, NotRunningError } from './client.js';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_RUNNING = 3;

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
  if (error instanceof NotRunningError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = EXIT_NOT_RUNNING;
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
