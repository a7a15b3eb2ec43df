// What is checked before a plugin runs: `engines.plugd` (a JS or a stdio
// plugin written for another plugd fails its load, naming both versions),
// `plugins.<name>.sha256` (a stdio plugin's file that is not the one pinned
// fails its load, naming both digests), and, as root, the user and group a
// stdio plugin runs as with the clean environment every plugin process gets.

import test from 'ava';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version } from '../../core/package-root.js';
import { startDaemon, writePlugin } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { FAULTY_PY, faultyManifest, faultyPackage, HAS_PYTHON, SDK_PY } from '../fixtures/exec/plugins.js';
import { pluginNamed } from './process-cases.js';

const pythonTest = HAS_PYTHON ? test.serial : test.skip;
if (!HAS_PYTHON) test.skip('stdio plugin load checks: python3 is not installed here', () => undefined);
const asRoot = HAS_PYTHON && process.getuid?.() === 0 ? test.serial : test.skip;
if (process.getuid?.() !== 0)
  test.skip('a stdio plugin as another user: the tests are not running as root', () => undefined);

const JS_PLUGIN = `export default { setup(ctx) { ctx.rpc.method('ok', {}, () => 'ok'); } };`;
const jsPackage = (name: string, engines: string) =>
  JSON.stringify({ name, version: '1.0.0', plugd: { entry: 'index.js' }, engines: { plugd: engines } });

pythonTest(
  'engines.plugd that excludes this plugd fails the load of a JS or a stdio plugin, naming both versions',
  async (t) => {
    const daemon = await startDaemon(t, {
      plugins: {
        'old-js/package.json': jsPackage('old-js', '^0.0.1'),
        'old-js/index.js': JS_PLUGIN,
        'new-js/package.json': jsPackage('new-js', `>=${version.split('.').slice(0, 2).join('.')} <99`),
        'new-js/index.js': JS_PLUGIN,
        'old-exec/package.json': faultyPackage('old-exec', '>=9.0.0 || ~0.0.3'),
        'new-exec/package.json': faultyPackage('new-exec', `^${version}`),
      },
    });
    for (const [name, range] of [
      ['old-js', '^0.0.1'],
      ['old-exec', '>=9.0.0 || ~0.0.3'],
    ]) {
      const plugin = await pluginNamed(daemon, name);
      t.is(plugin.state, 'failed', name);
      t.is(plugin.lastError, `requires plugd ${range} (engines.plugd), this is plugd ${version}`);
    }
    t.is(await daemon.call('new-js.ok'), 'ok');
    t.is(await daemon.call('new-exec.ok'), 'ok');
  },
);

pythonTest(
  'a stdio plugin whose file is not the one plugins.<name>.sha256 pins fails its load, naming both sums, checked before each start',
  async (t) => {
    const script = readFileSync(FAULTY_PY);
    const actual = createHash('sha256').update(script).digest('hex');
    const wrong = 'ab'.repeat(32);
    const daemon = await startDaemon(t, {
      plugins: {
        'pinned/plugd.json': faultyManifest('pinned', 'faulty.py'),
        'pinned/faulty.py': script.toString(),
        'pinned/plugd.py': readFileSync(SDK_PY, 'utf8'),
        'forged/plugd.json': faultyManifest('forged'),
      },
      config: { plugins: { pinned: { sha256: actual.toUpperCase() }, forged: { sha256: wrong } } },
    });
    t.is(await daemon.call('pinned.ok'), 'ok');
    const forged = await pluginNamed(daemon, 'forged');
    t.is(forged.state, 'failed');
    t.is(forged.lastError, `sha256 of ${FAULTY_PY} is ${actual}, plugins.forged.sha256 pins ${wrong}`);
    // The file changes under the running plugin, which then dies: its restart finds the change.
    const changed = join(daemon.pluginDir, 'pinned', 'faulty.py');
    appendFileSync(changed, '# changed\n');
    const changedSum = createHash('sha256').update(readFileSync(changed)).digest('hex');
    process.kill((await pluginNamed(daemon, 'pinned')).pid, 'SIGKILL');
    const refused = await until(
      () => pluginNamed(daemon, 'pinned'),
      (plugin) => /restart failed/.test(plugin.lastError ?? ''),
    );
    t.true(
      refused.lastError.includes(`sha256 of ${changed} is ${changedSum}, plugins.pinned.sha256 pins ${actual}`),
      refused.lastError,
    );
  },
);

asRoot(
  'a stdio plugin with user "nobody" runs as nobody, in its folder, with only the listed environment',
  async (t) => {
    process.env.PLUGD_TEST_SECRET = 'daemon only';
    t.teardown(() => delete process.env.PLUGD_TEST_SECRET);
    // The home is 0700: the plugin lives in a folder nobody can read, as plugins outside the home do.
    const folder = mkdtempSync(join(tmpdir(), 'plugd-exec-who-'));
    t.teardown(() => rmSync(folder, { recursive: true, force: true }));
    chmodSync(folder, 0o755);
    copyFileSync(FAULTY_PY, join(folder, 'faulty.py'));
    copyFileSync(SDK_PY, join(folder, 'plugd.py'));
    writePlugin(folder, 'plugd.json', faultyManifest('who', 'faulty.py'));
    const daemon = await startDaemon(t, {
      config: {
        loadPaths: [folder],
        plugins: { who: { user: 'nobody', env: { WHO_OWN: 'given' }, config: { answer: 42 } } },
      },
    });
    await daemon.call('plugins.load', { path: folder });
    const who = await daemon.call('who.who');
    t.is(who.uid, Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
    t.is(who.gid, Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })));
    t.is(realpathSync(who.cwd), realpathSync(folder));
    t.like(who.env, {
      WHO_OWN: 'given',
      PLUGD_PLUGIN_NAME: 'who',
      PLUGD_PROTOCOL_VERSIONS: '1',
      PLUGD_CONFIG: '{"answer":42}',
    });
    const expected = [
      'PATH',
      'HOME',
      'LANG',
      'NODE_ENV',
      'WHO_OWN',
      'PLUGD_PLUGIN_NAME',
      'PLUGD_PROTOCOL_VERSIONS',
      'PLUGD_CONFIG',
    ];
    // Python itself may set LC_CTYPE when it coerces the C locale.
    t.deepEqual(
      Object.keys(who.env).filter((name) => !expected.includes(name) && name !== 'LC_CTYPE'),
      [],
    );
    t.like(await pluginNamed(daemon, 'who'), { isolation: 'process', channel: 'pipe', state: 'ready', pid: who.pid });
  },
);

pythonTest('a reload runs the command the manifest declares now', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'moving/plugd.json': faultyManifest('moving') } });
  // Its arguments: python3 itself may be a shim that runs the real interpreter by another path.
  const argumentsOf = async () =>
    readFileSync(`/proc/${(await pluginNamed(daemon, 'moving')).pid}/cmdline`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .slice(1);
  t.deepEqual(await argumentsOf(), [FAULTY_PY]);
  writePlugin(
    daemon.pluginDir,
    'moving/plugd.json',
    JSON.stringify({ name: 'moving', exec: ['python3', '-B', FAULTY_PY] }),
  );
  t.like(await daemon.call('plugins.reload', { name: 'moving' }), { changed: true });
  t.deepEqual(await argumentsOf(), ['-B', FAULTY_PY]);
  t.is(await daemon.call('moving.ok'), 'ok');
});
