// Folders handed to a plugin process of another user (core/host/handed-folder.ts)
// are the daemon's, readable by the plugin's group and not writable by it, and
// their removal touches only the names the daemon put there.

import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HandedFolder } from '../../../core/host/handed-folder.js';

const NOGROUP = 65534;
const NOBODY = { uid: 65534, gid: NOGROUP };

const asRoot = process.getuid?.() === 0 ? test : test.skip;
if (process.getuid?.() !== 0) test.skip('handed folders: the tests are not running as root', () => undefined);

asRoot(
  "a handed folder is the daemon's, 0750 and 0640, group the plugin's; removing it leaves what it did not put there",
  (t) => {
    const source = mkdtempSync(join(tmpdir(), 'plugd-source-'));
    t.teardown(() => rmSync(source, { recursive: true, force: true }));
    writeFileSync(join(source, 'a.js'), 'a');
    const folder = new HandedFolder('plugd-unit-', NOBODY);
    t.teardown(() => rmSync(folder.path, { recursive: true, force: true }));
    const copied = folder.copy(join(source, 'a.js'), 'deep/er/a.js');
    const written = folder.write('b.js', 'b');
    for (const [path, mode] of [
      [folder.path, 0o750],
      [join(folder.path, 'deep'), 0o750],
      [join(folder.path, 'deep/er'), 0o750],
      [copied, 0o640],
      [written, 0o640],
    ] as const) {
      const info = statSync(path);
      t.is(info.mode & 0o777, mode, path);
      t.is(info.uid, 0, path);
      t.is(info.gid, NOGROUP, path);
    }
    t.is(readFileSync(copied, 'utf8'), 'a');
    t.throws(() => folder.copy(join(source, 'a.js'), '../escape.js'), { message: /is outside/ });
    // Something it did not put there stays, and the error is answered, not thrown.
    writeFileSync(join(folder.path, 'deep', 'stranger'), 'x');
    const errors = folder.remove();
    t.true(existsSync(join(folder.path, 'deep', 'stranger')));
    t.false(existsSync(copied));
    t.false(existsSync(written));
    t.true(errors.length > 0 && errors.every((error) => /ENOTEMPTY/.test(error)), JSON.stringify(errors));
  },
);
