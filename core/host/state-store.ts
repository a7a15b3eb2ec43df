// The plugins' state kept in the home across a stop (`state/<plugin>.json`,
// README "What survives what"): written at a graceful stop, read at the next
// start, listed and dropped by `plugd state`. A file is written whole or not
// at all (a temp file, then rename), readable by this user only. A snapshot
// that JSON carries as it is (plain objects, arrays, strings, finite numbers,
// booleans, null) is stored as JSON; any other (a Map, a Date, a BigInt) as
// V8's structured-clone bytes in base64, so it comes back as a reload gives it.

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** What `plugd state` shows of one plugin's kept state. */
export interface KeptState {
  plugin: string;
  bytes: number;
  savedAt: string;
  file: string;
}

/** The file's contents. */
interface StateFile {
  plugin: string;
  savedAt: string;
  encoding: 'json' | 'v8';
  state: unknown;
}

const SUFFIX = '.json';
const CORRUPT_SUFFIX = '.corrupt';

/** A state file that cannot be read back: the reason names the file. */
export class CorruptStateError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`state file ${file} is corrupt: ${reason}`);
  }
}

export class StateStore {
  /** `state/` in the daemon's home. */
  constructor(readonly dir: string) {}

  static ofHome(home: string): StateStore {
    return new StateStore(join(home, 'state'));
  }

  /** Where `plugin`'s state is kept (a scoped name's `/` is escaped). */
  fileOf(plugin: string): string {
    return join(this.dir, `${encodeURIComponent(plugin)}${SUFFIX}`);
  }

  /** Writes `plugin`'s snapshot, replacing the previous one in one step. */
  save(plugin: string, value: unknown): void {
    const plain = isPlainJson(value);
    const contents: StateFile = {
      plugin,
      savedAt: new Date().toISOString(),
      encoding: plain ? 'json' : 'v8',
      state: plain ? value : serialize(value).toString('base64'),
    };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(plugin);
    const temp = `${file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(contents)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  }

  /** `plugin`'s kept snapshot, undefined if none; a file that cannot be read back throws CorruptStateError. */
  read(plugin: string): { value: unknown } | undefined {
    const file = this.fileOf(plugin);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CorruptStateError(file, (error as Error).message);
    }
    try {
      const contents = JSON.parse(text) as StateFile;
      if (contents?.encoding === 'json') return { value: contents.state };
      if (contents?.encoding === 'v8' && typeof contents.state === 'string')
        return { value: deserialize(Buffer.from(contents.state, 'base64')) };
      throw new Error('not a plugd state file (no "encoding" of "json" or "v8")');
    } catch (error) {
      throw new CorruptStateError(file, (error as Error).message);
    }
  }

  /** Moves a corrupt file aside (`.corrupt`, replacing an older one), to be looked at, not lost; answers where it went. */
  setAside(plugin: string): string {
    const file = this.fileOf(plugin);
    renameSync(file, `${file}${CORRUPT_SUFFIX}`);
    return `${file}${CORRUPT_SUFFIX}`;
  }

  /** Drops `plugin`'s kept state; answers whether there was one. */
  remove(plugin: string): boolean {
    const file = this.fileOf(plugin);
    const existed = statOf(file) !== undefined;
    rmSync(file, { force: true });
    return existed;
  }

  /** Every plugin's kept state, by name. */
  list(): KeptState[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .filter((name) => name.endsWith(SUFFIX))
      .flatMap((name) => {
        const file = join(this.dir, name);
        const stats = statOf(file);
        if (!stats?.isFile()) return [];
        return [
          {
            plugin: decodeURIComponent(name.slice(0, -SUFFIX.length)),
            bytes: stats.size,
            savedAt: savedAtOf(file, stats.mtime),
            file,
          },
        ];
      })
      .sort((a, b) => a.plugin.localeCompare(b.plugin));
  }
}

function statOf(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined; // Gone meanwhile, or never there.
  }
}

/** When the file says it was saved; for a file that does not say, when it was last written. */
function savedAtOf(file: string, written: Date): string {
  try {
    const { savedAt } = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
    if (typeof savedAt === 'string') return savedAt;
  } catch {
    // A corrupt file: its time on disk will do.
  }
  return written.toISOString();
}

/** Whether JSON carries `value` unchanged. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(isPlainJson);
}
