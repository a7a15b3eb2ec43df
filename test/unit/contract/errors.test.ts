// core/contract/errors.ts: every error class the package root exports carries a stable
// PLUGD_ERR_ code of its own, keeps the error that caused it, is named after
// its class, and its code is in README's table.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as plugd from '../../../core/index.js';
import { PlugdError, PlugdErrorCode } from '../../../core/index.js';
import { ROOT } from '../../helpers/daemon.js';

type Make = (cause: Error) => PlugdError;

/** One way to make each exported error, given a cause. */
const MAKE: Record<string, Make> = {
  AlreadyRunningError: (cause) => new plugd.AlreadyRunningError(4242, { cause }),
  SocketInUseError: (cause) => new plugd.SocketInUseError('/run/plugd.sock', { cause }),
  NotRunningError: (cause) => new plugd.NotRunningError('/run/plugd.sock', true, { cause }),
  NotStartedError: (cause) => new plugd.NotStartedError('status()', { cause }),
  StartFailedError: (cause) => new plugd.StartFailedError('the daemon failed', undefined, { cause }),
  ConnectionClosedError: (cause) => new plugd.ConnectionClosedError({ cause }),
  ClosedError: (cause) => new plugd.ClosedError('listeners', { cause }),
  ConfigError: (cause) => new plugd.ConfigError('plugd.json: bad', { cause }),
  InvalidAddressError: (cause) => new plugd.InvalidAddressError('nowhere', { cause }),
  HomeError: (cause) => new plugd.HomeError('refusing home', { cause }),
  TokenError: (cause) => new plugd.TokenError('no token', { cause }),
  PermissionError: (cause) => new plugd.PermissionError('permission denied', { cause }),
  TimeoutError: (cause) => new plugd.TimeoutError('did not stop', { cause }),
  InvalidInputError: (cause) => new plugd.InvalidInputError('not JSON', { cause }),
  NotFoundError: (cause) => new plugd.NotFoundError('no log', { cause }),
  ExistsError: (cause) => new plugd.ExistsError('already exists', { cause }),
  PluginError: (cause) => new plugd.PluginError('compile error', { cause }),
  UpgradeError: (cause) => new plugd.UpgradeError('the successor failed', { cause }),
  InstallError: (cause) => new plugd.InstallError('no package.json', { cause }),
};

const exportedErrorClasses = Object.entries(plugd).filter(
  ([name, value]) => typeof value === 'function' && value.prototype instanceof PlugdError && name !== 'PlugdError',
);

test('every exported error class is covered here (a new one needs a line in MAKE)', (t) => {
  t.true(exportedErrorClasses.length >= 19);
  t.deepEqual(exportedErrorClasses.map(([name]) => name).sort(), Object.keys(MAKE).sort());
});

test('every exported error has a PLUGD_ERR_ code of its own, keeps its cause and is named after its class', (t) => {
  const codes = new Set<string>(Object.values(PlugdErrorCode));
  const seen = new Map<string, string>();
  for (const [name, make] of Object.entries(MAKE)) {
    const cause = new Error(`the cause of ${name}`);
    const error = make(cause);
    t.true(error instanceof Error && error instanceof PlugdError, name);
    t.true(error instanceof (plugd as unknown as Record<string, new (...args: never[]) => Error>)[name], name);
    t.regex(error.code, /^PLUGD_ERR_[A-Z_]+$/, name);
    t.true(codes.has(error.code), `${name}: ${error.code} is one of PlugdErrorCode`);
    t.is(error.cause, cause, `${name} keeps its cause`);
    t.is(error.name, name);
    t.true(error.message.length > 0, name);
    t.true(plugd.hasCode(error, error.code), name);
    t.false(seen.has(error.code), `${name} shares ${error.code} with ${seen.get(error.code)}`);
    seen.set(error.code, name);
  }
  t.false(plugd.hasCode(new Error('plain'), PlugdErrorCode.CONFIG));
  t.false(plugd.hasCode({ code: PlugdErrorCode.CONFIG }, PlugdErrorCode.CONFIG), 'a look-alike is not a plugd error');
});

test('a start that failed in the detached child keeps the code the daemon reported', (t) => {
  t.is(new plugd.StartFailedError('in use', PlugdErrorCode.SOCKET_IN_USE).code, PlugdErrorCode.SOCKET_IN_USE);
  t.is(new plugd.StartFailedError('crashed', undefined).code, PlugdErrorCode.START_FAILED);
});

test("README's error-code table lists every code", (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const code of Object.values(PlugdErrorCode)) t.true(readme.includes(`| \`${code}\``), code);
});
