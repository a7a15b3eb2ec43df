// The TCP listener's shared secret: `$PLUGD_HOME/token`, 32 random bytes in
// hex, mode 0600, made on first use. Tokens are compared in constant time.

import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { renameSync, statSync, writeSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createExclusive, readFileNoFollow } from './no-follow.js';
import { TokenError } from '../contract/errors.js';

/** Shorter tokens can be guessed; the listener refuses to start with one. */
export const MIN_TOKEN_LENGTH = 32;

export function tokenPath(home: string): string {
  return join(home, 'token');
}

/** Reads the token, creating it if there is none. */
export function readToken(home: string): string {
  try {
    return readFileNoFollow(tokenPath(home)).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return rotateToken(home);
  }
}

/** Replaces the token (atomically: a reader never sees half a token). */
export function rotateToken(home: string): string {
  const token = randomBytes(32).toString('hex');
  const temporary = `${tokenPath(home)}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const fd = createExclusive(temporary, 0o600);
  try {
    writeSync(fd, token + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, tokenPath(home));
  return token;
}

/** Why a token file is unsafe to keep (readable by others, or someone else's), if it is. */
export function tokenFileWarning(home: string): string | undefined {
  const path = tokenPath(home);
  return tokenFileRisk(path, statSync(path), process.getuid?.());
}

/**
 * Whoever can write the token decides who gets in, and whoever can read it
 * gets in. So: the file is the daemon user's or root's (root can replace any
 * file anyway: its owning the token gives nobody a power they lacked), no
 * group or other user may write it, and no other user may read it. A group
 * may read a token the daemon does not own: that is how a non-root daemon is
 * given a root-owned secret (a Kubernetes Secret mounted 0440 with `fsGroup`);
 * on the daemon's own file it is a leak.
 */
export function tokenFileRisk(
  path: string,
  stats: { uid: number; mode: number },
  uid: number | undefined,
): string | undefined {
  const mode = stats.mode & 0o777;
  const own = uid === undefined || stats.uid === uid;
  if (!own && stats.uid !== 0)
    return `the token file ${path} is owned by uid ${stats.uid}, not by this user (uid ${uid}) or root`;
  if (mode & 0o022)
    return `the token file ${path} is writable by other users (mode ${mode.toString(8)}): chmod go-w ${path}`;
  if (mode & 0o004 || (own && mode & 0o070))
    return `the token file ${path} is readable by other users (mode ${mode.toString(8)}): chmod 600 ${path}`;
  return undefined;
}

/**
 * The token as the listener checks it: read once, and read again when the
 * file changes (a stat per attempt), so a rotation takes effect at once. A
 * token that cannot be read refuses the attempt, and the reason is logged.
 */
export class TokenSource {
  private token: string | undefined;
  private version = '';
  private lastProblem: string | undefined;

  constructor(
    private readonly home: string,
    private readonly report: (problem: string) => void,
  ) {}

  current(): string | undefined {
    try {
      const path = tokenPath(this.home);
      const stats = statSync(path);
      const version = `${stats.ino}:${stats.mtimeMs}:${stats.size}`;
      if (version !== this.version) {
        const token = readFileNoFollow(path).trim();
        if (token.length < MIN_TOKEN_LENGTH)
          throw new TokenError(`the token in ${path} is shorter than ${MIN_TOKEN_LENGTH} characters`);
        this.token = token;
        this.version = version;
      }
      this.lastProblem = undefined;
      return this.token;
    } catch (error) {
      const problem = `cannot read the token, so nobody can authenticate: ${(error as Error).message}`;
      // Once per distinct problem: failing clients must not flood the log.
      if (problem !== this.lastProblem) this.report(problem);
      this.lastProblem = problem;
      this.version = '';
      return undefined;
    }
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison; hashing first makes the lengths equal. No token matches nothing. */
export function tokensMatch(expected: string | undefined, offered: unknown): boolean {
  return expected !== undefined && typeof offered === 'string' && timingSafeEqual(digest(expected), digest(offered));
}
