// Least privilege for a plugin process: as root, plugd runs it as the
// configured user (who cannot read the daemon's token), with a clean
// environment (PATH, HOME, LANG, NODE_ENV and its own `env`), in its folder,
// from a copy of its build it may read (the daemon's cache is private).

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readToken } from '../../core/trust/token.js';
import { startDaemon, writePlugin } from '../helpers/daemon.js';
import { pluginNamed } from './process-cases.js';

const WHO = (token: string) => `
import { readFileSync } from 'node:fs';
export default {
  setup(ctx) {
    ctx.rpc.method('who', {}, () => {
      let token;
      try { readFileSync(${JSON.stringify(token)}, 'utf8'); token = 'read'; } catch (error) { token = error.code; }
      return { uid: process.getuid(), gid: process.getgid(), token, env: process.env, cwd: process.cwd() };
    });
  },
};
`;

const asRoot = process.getuid?.() === 0 ? test : test.skip;
if (process.getuid?.() !== 0)
  test.skip('a plugin process as another user: the tests are not running as root', () => undefined);

asRoot(
  'a plugin with user "nobody" runs as nobody, cannot read the token, and sees only the listed environment',
  async (t) => {
    process.env.PLUGD_TEST_SECRET = 'daemon only';
    t.teardown(() => delete process.env.PLUGD_TEST_SECRET);
    // The home is 0700: the plugin lives in a folder nobody can read, as plugins outside the home do.
    const folder = mkdtempSync(join(tmpdir(), 'plugd-who-'));
    t.teardown(() => rmSync(folder, { recursive: true, force: true }));
    chmodSync(folder, 0o755);
    const daemon = await startDaemon(t, {
      config: {
        loadPaths: [folder],
        plugins: { who: { isolation: 'process', user: 'nobody', env: { WHO_OWN: 'given' } } },
      },
    });
    const token = join(daemon.home, 'token');
    readToken(daemon.home);
    writePlugin(folder, 'who.plugin.js', WHO(token));
    await daemon.call('plugins.load', { path: join(folder, 'who.plugin.js') });
    const who = await daemon.call('who.who');
    t.is(who.uid, Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
    t.is(who.gid, Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })));
    t.is(who.token, 'EACCES');
    t.is(realpathSync(who.cwd), realpathSync(folder));
    t.is(who.env.WHO_OWN, 'given');
    t.is(who.env.PLUGD_TEST_SECRET, undefined);
    t.deepEqual(
      Object.keys(who.env).filter((name) => !['PATH', 'HOME', 'LANG', 'NODE_ENV', 'WHO_OWN'].includes(name)),
      [],
    );
    t.like(await pluginNamed(daemon, 'who'), { isolation: 'process', state: 'ready' });
  },
);
