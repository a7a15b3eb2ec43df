// Whether a plugin process's user can reach what it runs: a Node binary that
// user cannot reach is named, with the user. Needs root, to be another user.

import test from 'ava';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunnable } from '../../../core/host/process-access.js';

const NOBODY = { uid: 65534, gid: 65534 };

const asRoot = process.getuid?.() === 0 ? test : test.skip;
if (process.getuid?.() !== 0) test.skip('reachable binaries: the tests are not running as root', () => undefined);

asRoot('a Node binary under a folder its user cannot enter is named, with the user', (t) => {
  const closed = mkdtempSync(join(tmpdir(), 'plugd-closed-'));
  t.teardown(() => rmSync(closed, { recursive: true, force: true }));
  const binary = join(closed, 'node');
  copyFileSync('/bin/true', binary);
  chmodSync(binary, 0o755);
  t.throws(() => checkRunnable('user nobody', NOBODY, binary), {
    message: `permission denied: ${closed} is not readable by user nobody`,
  });
  chmodSync(closed, 0o755);
  t.notThrows(() => checkRunnable('user nobody', NOBODY, binary));
  chmodSync(binary, 0o700);
  t.throws(() => checkRunnable('user nobody', NOBODY, binary), {
    message: `permission denied: ${binary} is not readable by user nobody`,
  });
  t.notThrows(() => checkRunnable('user root', { uid: 0, gid: 0 }, binary));
});
