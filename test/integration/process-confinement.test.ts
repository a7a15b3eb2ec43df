// A plugin process reaches nothing past itself (README "Threat model"): none
// of the daemon's descriptors, no /proc of a sibling of the same user, HOME
// its own user's, a shared memory it cannot resize under the daemon, and
// nothing it started outlives it.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadShm, shmMissingReason } from '../../core/channel/shm.js';
import { startDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { pluginNamed, processAlive } from './process-cases.js';

const SECRET = 'daemon-only-secret';

const PEEK = `
import { readFileSync, readSync } from 'node:fs';
export default {
  setup(ctx) {
    ctx.rpc.method('peek', {}, () => {
      const seen = [];
      try { seen.push(readFileSync('/proc/self/fd/40', 'utf8')); } catch (error) { seen.push(error.code); }
      try { const buffer = Buffer.alloc(100); seen.push(buffer.toString('utf8', 0, readSync(40, buffer, 0, 100, 0))); } catch (error) { seen.push(error.code); }
      return seen;
    });
  },
};
`;

/** The shared-memory ring (the addon), and the IPC pipe fallback without it. */
const CHANNELS = { shm: {}, pipe: { PLUGD_NO_SHM: '1' } };

for (const [channel, env] of Object.entries(CHANNELS)) {
  test(`a plugin process (${channel}) gets none of the daemon's descriptors: not the fd 40 the daemon was started with`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'plugd-fd40-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const secret = join(dir, 'secret');
    writeFileSync(secret, SECRET, { mode: 0o600 });
    const fd = openSync(secret, 'r');
    t.teardown(() => closeSync(fd));
    const daemon = await startDaemon(t, {
      plugins: { 'peek.plugin.js': PEEK },
      config: { isolation: 'process' },
      extraFds: { 40: fd },
      env,
    });
    t.like(await pluginNamed(daemon, 'peek'), { channel });
    const seen: string[] = await daemon.call('peek.peek');
    t.false(
      seen.some((text) => text.includes(SECRET)),
      `the plugin saw: ${JSON.stringify(seen)}`,
    );
  });
}

const TRUNCATE = `
import { ftruncateSync, readdirSync, readlinkSync, truncateSync } from 'node:fs';
export default {
  setup(ctx) {
    ctx.rpc.method('truncate', {}, () => {
      const tried = [];
      for (const fd of readdirSync('/proc/self/fd')) {
        let target;
        try { target = readlinkSync('/proc/self/fd/' + fd); } catch { continue; }
        if (!target.startsWith('/memfd:plugd-')) continue;
        try { ftruncateSync(Number(fd), 0); tried.push('truncated'); } catch (error) { tried.push(error.code); }
      }
      let maps = [];
      try { maps = readdirSync('/proc/self/map_files'); } catch {}
      for (const range of maps) {
        let target;
        try { target = readlinkSync('/proc/self/map_files/' + range); } catch { continue; }
        if (!target.startsWith('/memfd:plugd-')) continue;
        try { truncateSync('/proc/self/map_files/' + range, 0); tried.push('truncated'); } catch (error) { tried.push(error.code); }
      }
      return tried;
    });
    ctx.rpc.method('ping', {}, () => 'pong');
  },
};
`;

/** The process group and the session of `pid`, from /proc/PID/stat (the fields after the command). */
function groupAndSession(pid: number): { group: number; session: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [, , group, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { group: Number(group), session: Number(session) };
}

for (const [channel, env] of Object.entries(CHANNELS)) {
  test(`a plugin process (${channel}) leads a process group of its own${channel === 'shm' ? " in the daemon's session (no scheduler autogroup of its own)" : ''}`, async (t) => {
    const daemon = await startDaemon(t, { plugins: { 'peek.plugin.js': PEEK }, config: { isolation: 'process' }, env });
    const { pid } = await pluginNamed(daemon, 'peek');
    const own = groupAndSession(pid);
    t.is(own.group, pid, 'the plugin process leads its group');
    // With the addon the process makes its group itself; without, the daemon spawns it in a session of its own.
    t.is(own.session, channel === 'shm' ? groupAndSession(daemon.pid).session : pid);
  });
}

const withShm = loadShm() ? test : test.skip;
if (!loadShm()) test.skip(`the sealed memfd: ${shmMissingReason()}`, () => undefined);

withShm('a plugin process cannot resize the shared memory under the daemon (the memfd is sealed)', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'shrink.plugin.js': TRUNCATE }, config: { isolation: 'process' } });
  t.like(await pluginNamed(daemon, 'shrink'), { channel: 'shm' });
  const tried: string[] = await daemon.call('shrink.truncate');
  t.true(tried.length > 0, 'the plugin found its memfd');
  t.false(tried.includes('truncated'), `the plugin's attempts: ${JSON.stringify(tried)}`);
  t.truthy(await daemon.call('daemon.status'));
  t.is(await daemon.call('shrink.ping'), 'pong');
});

const SPAWNER = `
import { execFileSync, spawn } from 'node:child_process';
export default {
  setup(ctx) {
    ctx.rpc.method('spawn', {}, () => {
      const detached = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
      detached.unref();
      // A grandchild in a session of its own whose parent has gone: an orphan.
      const orphan = Number(execFileSync('sh', ['-c', 'setsid sleep 300 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }));
      return [detached.pid, orphan];
    });
  },
};
`;

for (const end of ['unload', 'reload', 'stop'] as const) {
  test(`what a plugin process started, detached or orphaned, ends at its ${end === 'stop' ? "daemon's stop" : end}`, async (t) => {
    const daemon = await startDaemon(t, {
      plugins: { 'spawner.plugin.js': SPAWNER },
      config: { isolation: 'process' },
    });
    const pids: number[] = await daemon.call('spawner.spawn');
    t.teardown(() => pids.forEach((pid) => processAlive(pid) && process.kill(pid, 'SIGKILL')));
    t.true(pids.every(processAlive));
    if (end === 'unload') await daemon.call('plugins.unload', { name: 'spawner' });
    else if (end === 'reload') await daemon.call('plugins.reload', { name: 'spawner', force: true });
    else await daemon.stop();
    const alive = await until(
      async () => pids.filter(processAlive),
      (left) => left.length === 0,
    );
    t.deepEqual(alive, [], 'every process the plugin started has ended');
  });
}

test('without the addon (pipe), what a plugin process started detached still ends at its unload', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: { 'spawner.plugin.js': SPAWNER },
    config: { isolation: 'process' },
    env: CHANNELS.pipe,
  });
  t.like(await pluginNamed(daemon, 'spawner'), { channel: 'pipe' });
  const pids: number[] = await daemon.call('spawner.spawn');
  t.teardown(() => pids.forEach((pid) => processAlive(pid) && process.kill(pid, 'SIGKILL')));
  // The orphan is re-parented to init without a subreaper, out of reach (README "Threat model"): only the detached child is asked of.
  const [detached] = pids;
  await daemon.call('plugins.unload', { name: 'spawner' });
  const alive = await until(
    async () => processAlive(detached),
    (running) => !running,
  );
  t.false(alive, 'the detached child has ended');
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;
if (process.getuid?.() !== 0)
  test.skip('plugin processes as nobody: the tests are not running as root', () => undefined);

const SIBLING = `
import { readFileSync } from 'node:fs';
export default {
  setup(ctx) {
    ctx.rpc.method('me', {}, () => ({ pid: process.pid, home: process.env.HOME }));
    ctx.rpc.method('peek', { type: 'object', properties: { pid: { type: 'integer' } } }, ({ pid }) => {
      const seen = {};
      for (const file of ['environ', 'mem']) {
        try { seen[file] = readFileSync('/proc/' + pid + '/' + file, 'latin1').includes('SIBLING_SECRET') ? 'secret' : 'read'; }
        catch (error) { seen[file] = error.code; }
      }
      return seen;
    });
  },
};
`;

asRoot(
  "two plugins as nobody: neither reads the other's /proc environ or memory; HOME is nobody's; the log warns of the shared user",
  async (t) => {
    const daemon = await startDaemon(t, {
      plugins: { 'alpha.plugin.js': SIBLING, 'beta.plugin.js': SIBLING },
      config: {
        plugins: {
          alpha: { isolation: 'process', user: 'nobody', env: { SIBLING_SECRET: 'alpha' } },
          beta: { isolation: 'process', user: 'nobody' },
        },
      },
    });
    const alpha = await daemon.call('alpha.me');
    const seen = await daemon.call('beta.peek', { pid: alpha.pid });
    t.not(seen.environ, 'secret');
    t.not(seen.environ, 'read');
    t.not(seen.mem, 'secret');
    t.not(seen.mem, 'read');
    t.is(alpha.home, execFileSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' }).trim().split(':')[5]);
    t.like(await pluginNamed(daemon, 'beta'), { state: 'ready' });
    await until(
      async () => daemon.output(),
      (output) => /runs as user nobody, as (alpha|beta) does/.test(output),
    );
    await daemon.stop(); // Its plugin processes end, and the runtime handed to them is removed.
  },
);
