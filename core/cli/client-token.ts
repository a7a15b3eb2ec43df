// The token a client offers the TCP listener, and where it came from:
// `--token-file FILE`, then `PLUGD_TOKEN`, then the `token` file of the
// client's home. A client only reads a token, never makes one: a token made
// on the client's side could never match the daemon's.

import { readFileSync } from 'node:fs';
import { readFileNoFollow } from '../trust/no-follow.js';
import { tokenPath } from '../trust/token.js';
import { ErrorCode } from '../rpc/errors.js';
import { CallError, type RpcClient } from './client.js';
import { TokenError } from '../contract/errors.js';

export const TOKEN_ENV = 'PLUGD_TOKEN';

export interface ClientToken {
  token: string;
  /** Where it came from, for the line that says the daemon refused it. */
  source: string;
}

/** The token to offer, or an error naming every place looked in. */
export function clientToken(tokenFile: string | undefined, home: string): ClientToken {
  if (tokenFile !== undefined)
    return {
      token: readTokenFile(tokenFile, '--token-file', (path) => readFileSync(path, 'utf8')),
      source: `--token-file ${tokenFile}`,
    };
  const fromEnv = process.env[TOKEN_ENV]?.trim();
  if (fromEnv) return { token: fromEnv, source: TOKEN_ENV };
  const homeToken = tokenPath(home);
  try {
    return { token: readTokenFile(homeToken, 'the token file', readFileNoFollow), source: homeToken };
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw error;
    throw new TokenError(
      `no token: give --token-file FILE, set ${TOKEN_ENV}, or put the daemon's token in ${homeToken}`,
    );
  }
}

/** A file named on the command line may be a link (a mounted Secret is); the home's own is read as the daemon reads it. */
function readTokenFile(path: string, what: string, read: (path: string) => string): string {
  let token: string;
  try {
    token = read(path).trim();
  } catch (error) {
    throw new TokenError(`cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (token === '') throw new TokenError(`${what} ${path} is empty`);
  return token;
}

/** Offers the token; a refusal names the token's source, so the user knows which one is wrong. */
export async function authenticate(client: RpcClient, { token, source }: ClientToken): Promise<void> {
  try {
    await client.call('rpc.auth', { token });
  } catch (error) {
    if (error instanceof CallError && error.code === ErrorCode.UNAUTHORIZED)
      throw new TokenError(`wrong token (from ${source}): the daemon refused it`);
    throw error;
  }
}
