// The user and group a plugin process runs as (`plugins.<name>.user` and
// `.group`): names resolved to numbers through the system's user database
// (`id`, `getent`), so LDAP or NSS users work as they do for everything else.
// Only root can start a process as another user.

import { execFileSync } from 'node:child_process';
import { NotFoundError, PermissionError } from '../contract/errors.js';

export interface ProcessIds {
  uid?: number;
  gid?: number;
}

const resolved = new Map<string, number>();

/** The uid and gid to spawn with; throws one clear line when they cannot be had. */
export function processIds(user: string | number | undefined, group: string | number | undefined): ProcessIds {
  if (user === undefined && group === undefined) return {};
  if (process.getuid?.() !== 0) {
    throw new PermissionError(
      `cannot run as ${user !== undefined ? `user ${user}` : `group ${group}`}: plugd is not running as root`,
    );
  }
  const uid = user === undefined ? undefined : lookUp('user', user, ['id', '-u', String(user)]);
  // Without a group, the user's own primary group (a process left in root's group keeps root's files readable).
  const gid =
    group !== undefined
      ? lookUp('group', group, ['getent', 'group', String(group)], (line) => line.split(':')[2])
      : user !== undefined
        ? lookUp('group of user', user, ['id', '-g', String(user)])
        : undefined;
  return { uid, gid };
}

function lookUp(what: string, name: string | number, command: string[], pick = (line: string) => line): number {
  if (typeof name === 'number') return name;
  if (/^\d+$/.test(name)) return Number(name);
  const key = `${what}:${name}`;
  const known = resolved.get(key);
  if (known !== undefined) return known;
  let id: number;
  try {
    id = Number(
      pick(
        execFileSync(command[0], command.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
      ),
    );
  } catch {
    throw new NotFoundError(`no such ${what}: ${name}`);
  }
  if (!Number.isInteger(id)) throw new NotFoundError(`no such ${what}: ${name}`);
  resolved.set(key, id);
  return id;
}

const homes = new Map<number, string>();

/** The home of `uid` in the user database, or `/` when it has none (never the daemon's). */
export function homeOf(uid: number): string {
  let home = homes.get(uid);
  if (home === undefined) {
    try {
      const entry = execFileSync('getent', ['passwd', String(uid)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      home = entry.trim().split(':')[5] || '/';
    } catch {
      home = '/';
    }
    homes.set(uid, home);
  }
  return home;
}

/** Whether two `user` settings (names or numbers) are one user; names that do not resolve are compared as written. */
export function sameUser(a: string | number, b: string | number): boolean {
  const uid = (user: string | number) => {
    try {
      return lookUp('user', user, ['id', '-u', String(user)]);
    } catch {
      return String(user);
    }
  };
  return uid(a) === uid(b);
}
