// A build handed to a plugin process of another user (core/host/handed-folder.ts)
// is a folder that user can read and not change, so nothing it does there can
// turn the daemon's clean-up into root deleting elsewhere. The attack, run 20
// times: fill a subfolder of the handed build with files, and the moment the
// daemon starts removing it, swap it for a link to a root-only folder.

import test from 'ava';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, writePlugin } from '../helpers/daemon.js';
import { pluginNamed } from './process-cases.js';

const RUNS = 20;
const FILES = 5000;

const SWAPPER = (target: string, marker: string) => `
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The handed copy of this very build: the newest plugd-build-* folder whose file holds this marker.
const MARKER = ${JSON.stringify(marker)};
const own = readdirSync(tmpdir())
  .filter((name) => name.startsWith('plugd-build-'))
  .map((name) => join(tmpdir(), name))
  .filter((dir) => {
    try {
      return readdirSync(dir).some((file) => readFileSync(join(dir, file), 'utf8').includes(MARKER));
    } catch {
      return false;
    }
  })
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
const sub = join(own ?? 'no handed build found', 'sub');
let planted;
try {
  mkdirSync(sub);
  for (let i = 0; i < ${FILES}; i++) writeFileSync(sub + '/f' + i, '');
  planted = 'planted';
} catch (error) {
  planted = error.code;
}
// As soon as the subfolder starts to empty, it becomes a link to the root-only folder.
function swapWhenRemoved() {
  try {
    if (readdirSync(sub).length < ${FILES}) {
      renameSync(sub, sub + '.gone');
      symlinkSync(${JSON.stringify(target)}, sub);
      return;
    }
  } catch {
    return;
  }
  setImmediate(swapWhenRemoved);
}
if (planted === 'planted') swapWhenRemoved();
export default { setup(ctx) { ctx.rpc.method('planted', {}, () => planted); } };
`;

const asRoot = process.getuid?.() === 0 ? test : test.skip;
if (process.getuid?.() !== 0)
  test.skip('a handed build and the symlink race: the tests are not running as root', () => undefined);

asRoot(
  `a plugin as nobody cannot turn the removal of its handed build into root deleting elsewhere (${RUNS} runs)`,
  async (t) => {
    const target = mkdtempSync(join(tmpdir(), 'plugd-precious-'));
    t.teardown(() => rmSync(target, { recursive: true, force: true }));
    const precious = join(target, 'precious');
    writeFileSync(precious, 'root only');
    const daemon = await startDaemon(t, { config: { plugins: { swapper: { isolation: 'process', user: 'nobody' } } } });
    writePlugin(daemon.pluginDir, 'swapper.plugin.js', SWAPPER(target, `marker-${process.pid}-${Date.now()}`));
    await daemon.call('plugins.load', { path: join(daemon.pluginDir, 'swapper.plugin.js') });
    for (let run = 1; run <= RUNS; run++) {
      if (run > 1) await daemon.call('plugins.reload', { name: 'swapper', force: true });
      t.is(
        await daemon.call('swapper.planted'),
        'EACCES',
        `run ${run}: the handed build's folder is not the plugin's to write`,
      );
      t.true(existsSync(precious), `run ${run}: the root-only file is still there`);
      t.truthy(await daemon.call('daemon.status'), `run ${run}: the daemon answers`);
      t.like(await pluginNamed(daemon, 'swapper'), { state: 'ready' });
    }
    await daemon.stop(); // Its plugin processes end, and the runtime handed to them is removed.
  },
);
