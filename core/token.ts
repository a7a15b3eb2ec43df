// The TCP listener's shared secret: `$PLUGD_HOME/token`, 32 random bytes in
// hex, mode 0600, made on first use. Tokens are compared in constant time.

import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

function tokenPath(home: string): string {
  return join(home, 'token');
}

/** Reads the token, creating it if there is none. */
export function readToken(home: string): string {
  try {
    return readFileSync(tokenPath(home), 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return rotateToken(home);
  }
}

/** Replaces the token (atomically: a reader never sees half a token). */
export function rotateToken(home: string): string {
  const token = randomBytes(32).toString('hex');
  const temporary = `${tokenPath(home)}.${process.pid}.tmp`;
  writeFileSync(temporary, token + '\n', { mode: 0o600 });
  renameSync(temporary, tokenPath(home));
  return token;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokensMatch(expected: string, offered: unknown): boolean {
  return typeof offered === 'string' && timingSafeEqual(digest(expected), digest(offered));
}
