// A plugin process as another user never needs to read plugd's own install
// (issue 22, item 9): plugd installed where that user cannot enter (a clone
// under /root, a version manager in a private home) still runs it, from a copy
// of the runtime handed to it; what it still cannot reach (its own folder)
// fails its load naming the path and the user.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startDaemon, writePlugin } from '../helpers/daemon.js';
import { pluginNamed } from './process-cases.js';

const WHO = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
    ctx.log.info('who is up');
    ctx.rpc.method('who', {}, () => ({ uid: process.getuid(), home: process.env.HOME }));
  },
});
`;

/** plugd's install copied under a 0700 folder (its packages linked), as a clone under /root is. */
function privateInstall(t: any): string {
  const closed = mkdtempSync(join(tmpdir(), 'plugd-private-'));
  t.teardown(() => rmSync(closed, { recursive: true, force: true }));
  chmodSync(closed, 0o700);
  const install = join(closed, 'plugd');
  mkdirSync(install);
  cpSync(join(ROOT, 'package.json'), join(install, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(install, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'));
  return join(install, 'dist/cli/plugd.js');
}

/** A folder anyone may enter and read, for the plugin. */
function openFolder(t: any, parent = tmpdir()): string {
  const folder = mkdtempSync(join(parent, 'plugd-open-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  chmodSync(folder, 0o755);
  return folder;
}

const nobody = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }));

const asRoot = process.getuid?.() === 0 ? test : test.skip;
if (process.getuid?.() !== 0)
  test.skip('a plugin process as nobody with plugd in a private folder: the tests are not running as root', () =>
    undefined);

asRoot('plugd installed under a 0700 folder runs a plugin as nobody: it loads, logs and answers', async (t) => {
  const cli = privateInstall(t);
  const folder = openFolder(t);
  writePlugin(folder, 'who.plugin.js', WHO);
  const daemon = await startDaemon(t, {
    cli,
    config: { loadPaths: [folder], plugins: { who: { isolation: 'process', user: 'nobody' } } },
  });
  await daemon.call('plugins.load', { path: join(folder, 'who.plugin.js') });
  t.like(await daemon.call('who.who'), { uid: nobody('-u') });
  t.like(await pluginNamed(daemon, 'who'), { isolation: 'process', state: 'ready' });
  await daemon.stop(); // Its plugin processes end, and the runtime handed to them is removed.
});

asRoot("a Node binary its user cannot reach fails a plugin's load naming the path and the user", async (t) => {
  const closed = mkdtempSync(join(tmpdir(), 'plugd-closed-'));
  t.teardown(() => rmSync(closed, { recursive: true, force: true }));
  t.is(statSync(closed).mode & 0o777, 0o700);
  // Node as a version manager keeps it, in a private home.
  const node = join(closed, 'node');
  try {
    linkSync(process.execPath, node);
  } catch {
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  const folder = openFolder(t);
  writePlugin(folder, 'who.plugin.js', WHO);
  const daemon = await startDaemon(t, {
    node,
    config: { loadPaths: [folder], plugins: { who: { isolation: 'process', user: 'nobody' } } },
  });
  const error = await t.throwsAsync(daemon.call('plugins.load', { path: join(folder, 'who.plugin.js') }));
  t.regex(error.message, new RegExp(`permission denied: ${closed} is not readable by user nobody`));
});
