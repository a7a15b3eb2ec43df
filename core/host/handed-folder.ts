// A folder the daemon hands to a plugin process of another user: owned by the
// daemon's user, group the plugin's (0750, files 0640), so the plugin reads it
// and cannot change it. Nothing in it can be swapped for a symbolic link, so
// removing it is safe: each file the daemon put there, then each folder, by
// name, never a recursive delete of a tree another user could write.

import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { ProcessIds } from './process-user.js';
import { PluginError } from '../contract/errors.js';

const FOLDER_MODE = 0o750;
const FILE_MODE = 0o640;

export class HandedFolder {
  readonly path: string;
  private readonly gid: number;
  private readonly files: string[] = [];
  /** Made below `path`, parents first. */
  private readonly folders: string[] = [];

  /** A fresh folder `<tmpdir>/<prefix>XXXXXX` the group of `ids` may read. */
  constructor(prefix: string, ids: ProcessIds) {
    this.gid = ids.gid ?? process.getgid!();
    this.path = mkdtempSync(join(tmpdir(), prefix));
    this.own(this.path, FOLDER_MODE);
  }

  /** Copies `from` to `name` (a path relative to the folder); answers where it is now. */
  copy(from: string, name: string): string {
    return this.place(name, (to) => copyFileSync(from, to));
  }

  /** Writes `contents` to `name` (a path relative to the folder); answers where it is. */
  write(name: string, contents: string): string {
    return this.place(name, (to) => writeFileSync(to, contents, { flag: 'wx' }));
  }

  private place(name: string, make: (to: string) => void): string {
    const to = join(this.path, name);
    if (relative(this.path, to).startsWith('..')) throw new PluginError(`${name} is outside ${this.path}`);
    this.makeFolders(dirname(to));
    make(to);
    this.files.push(to);
    this.own(to, FILE_MODE);
    return to;
  }

  /** Removes what was put here; answers the errors met (each one a line), never throws. */
  remove(): string[] {
    const errors: string[] = [];
    const attempt = (undo: () => void) => {
      try {
        undo();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') errors.push((error as Error).message);
      }
    };
    for (const file of this.files.splice(0)) attempt(() => unlinkSync(file));
    for (const folder of this.folders.splice(0).reverse()) attempt(() => rmdirSync(folder));
    attempt(() => rmdirSync(this.path));
    return errors;
  }

  private makeFolders(folder: string): void {
    if (folder === this.path || this.folders.includes(folder)) return;
    this.makeFolders(dirname(folder));
    mkdirSync(folder);
    this.folders.push(folder);
    this.own(folder, FOLDER_MODE);
  }

  private own(path: string, mode: number): void {
    chownSync(path, process.getuid!(), this.gid);
    chmodSync(path, mode);
  }
}
