// A stdio plugin (docs/PROTOCOL.md) that faults costs its own calls only, with
// the answers a process plugin gets: it exits, is killed, hangs (no answer to
// plugd.ping), floods stdout, writes junk, breaks the protocol, leaves a child
// behind. The plugin is test/fixtures/exec/faulty.py, on the real daemon.

import test, { type ExecutionContext } from 'ava';
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { FAST_SUPERVISION } from '../fixtures/faults/faulty.js';
import { BAD_HELLO, faultyManifest, HAS_PYTHON } from '../fixtures/exec/plugins.js';
import { childrenOf, pluginNamed, processAlive } from './process-cases.js';

/** A ping crosses two pipes and a Python loop: room for a loaded machine, where a late ping is a false kill. */
const supervision = { ...FAST_SUPERVISION, heartbeatTimeoutMs: 3000 };
const MAX_LINE_BYTES = 64 * 1024;

// One daemon at a time: ten at once on a loaded 2-core machine miss the helper's ready deadline.
const pythonTest = HAS_PYTHON ? test.serial : test.skip;
if (!HAS_PYTHON) test.skip('stdio plugin faults: python3 is not installed here', () => undefined);

async function faultyDaemon(t: ExecutionContext): Promise<TestDaemon> {
  return startDaemon(t, {
    examples: true,
    plugins: { 'faulty/plugd.json': faultyManifest('faulty') },
    config: { supervision, limits: { maxLineBytes: MAX_LINE_BYTES } },
  });
}

const rssKib = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

pythonTest(
  'a stdio plugin is listed as a process on a pipe, with its pid, answers its own errors, and pauses',
  async (t) => {
    const daemon = await faultyDaemon(t);
    const plugin = await pluginNamed(daemon, 'faulty');
    t.like(plugin, { state: 'ready', isolation: 'process', channel: 'pipe', threadId: undefined });
    t.true(childrenOf(daemon.pid).includes(plugin.pid));
    t.is(await daemon.call('faulty.ok'), 'ok');
    const error = await t.throwsAsync<any>(daemon.call('faulty.fail'));
    t.like(error, { code: -32000, message: 'failed on purpose' });
    t.deepEqual(error!.data, { why: 'asked' });
    await daemon.call('plugins.pause', { name: 'faulty' });
    t.regex((await t.throwsAsync<any>(daemon.call('faulty.ok')))!.message, /plugin faulty is paused/);
    await daemon.call('plugins.resume', { name: 'faulty' });
    t.is(await daemon.call('faulty.ok'), 'ok');
  },
);

for (const [fault, reason] of [
  ['exit', /exited with code 3/],
  ['hang', /heartbeat missed/],
  ['flood', /protocol violation: a line longer than limits.maxLineBytes \(65536 bytes\)/],
  ['answer_unknown', /protocol violation: an answer to id 987654, which plugd never sent/],
] as const) {
  pythonTest(`a stdio plugin that faults (${fault}) costs its own call only, and comes back`, async (t) => {
    const daemon = await faultyDaemon(t);
    const before = await pluginNamed(daemon, 'faulty');
    const rssBefore = rssKib(daemon.pid);
    const [error] = await Promise.all([
      t.throwsAsync<any>(daemon.call(`faulty.${fault}`)),
      daemon.call('echo.say', { text: 'meanwhile' }),
    ]);
    t.is(error!.code, -32001, error!.message);
    t.is(error!.data?.plugin, 'faulty');
    t.regex(error!.message, reason);
    if (fault === 'flood')
      t.true(rssKib(daemon.pid) - rssBefore < 32 * 1024, `the daemon grew by ${rssKib(daemon.pid) - rssBefore} KiB`);
    t.deepEqual(await daemon.call('echo.say', { text: 'after' }), { text: 'after' });
    // Its calls fail at once; the crash is told when the process has ended: until then it still reads ready.
    const back = await until(
      () => pluginNamed(daemon, 'faulty'),
      (plugin) => plugin.state === 'ready' && plugin.pid !== before.pid,
    );
    t.is(back.restarts, 1);
    t.regex(back.lastError, reason);
    t.not(back.pid, before.pid);
    t.false(processAlive(before.pid));
    t.is(await daemon.call('faulty.ok'), 'ok');
  });
}

pythonTest(
  'a stdio plugin killed with SIGKILL fails its calls in flight with -32001 and is restarted with backoff',
  async (t) => {
    const daemon = await faultyDaemon(t);
    const before = await pluginNamed(daemon, 'faulty');
    const client = await daemon.client();
    const inFlight = Promise.all([1, 2, 3].map(() => t.throwsAsync<any>(client.call('faulty.wait', { ms: 60_000 }))));
    await until(
      () => pluginNamed(daemon, 'faulty'),
      (plugin) => plugin.inFlight === 3,
    );
    process.kill(before.pid, 'SIGKILL');
    for (const error of await inFlight) {
      t.is(error!.code, -32001);
      t.regex(error!.message, /killed by SIGKILL/);
    }
    const back = await until(
      () => pluginNamed(daemon, 'faulty'),
      (plugin) => plugin.state === 'ready' && plugin.pid !== before.pid,
    );
    t.like(back, { restarts: 1, lastError: 'killed by SIGKILL' });
    t.not(back.pid, before.pid);
    t.is(await daemon.call('faulty.ok'), 'ok');
  },
);

pythonTest('a call past its deadline answers -32003 and the plugin is told plugd.cancel', async (t) => {
  const daemon = await faultyDaemon(t);
  const error = await t.throwsAsync<any>(daemon.call('faulty.slow', { ms: 30_000 }));
  t.is(error!.code, -32003);
  t.regex(error!.message, /faulty.slow exceeded its deadline of 300 ms/);
  t.is(
    await until(
      () => daemon.call('faulty.cancelled_count'),
      (count) => count === 1,
    ),
    1,
  );
  t.is((await pluginNamed(daemon, 'faulty')).state, 'ready');
});

pythonTest('junk lines on stdout and stray prints are logged as its output; it keeps serving', async (t) => {
  const daemon = await faultyDaemon(t);
  t.is(await daemon.call('faulty.junk'), 'still here');
  t.is(await daemon.call('faulty.ok'), 'ok');
  const records = () =>
    readFileSync(join(daemon.home, 'plugd.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((record) => record.plugin === 'faulty');
  const logged = await until(
    async () => records(),
    (lines) => lines.some((line) => line.msg === 'a stray print'),
  );
  for (const junk of ['not json at all', '[1,2,3]', '{"no": "jsonrpc"}'])
    t.truthy(
      logged.find((line) => line.msg === junk && line.stream === 'stdout'),
      junk,
    );
  t.like(
    logged.find((line) => line.msg === 'a stray print'),
    { stream: 'stderr' },
  );
  t.like(await pluginNamed(daemon, 'faulty'), { state: 'ready', restarts: 0 });
});

test.serial('a stdio plugin whose hello does not parse is failed with the reason', async (t) => {
  const daemon = await startDaemon(t, { examples: true, config: { supervision } });
  copyFileSync(BAD_HELLO, join(daemon.pluginDir, 'bad-hello.plugin'));
  chmodSync(join(daemon.pluginDir, 'bad-hello.plugin'), 0o755);
  const error = await t.throwsAsync<any>(
    daemon.call('plugins.load', { path: join(daemon.pluginDir, 'bad-hello.plugin') }),
  );
  t.regex(error!.message, /plugin bad-hello failed to load: protocol violation: plugd.hello "methods" is not an array/);
  const plugin = await pluginNamed(daemon, 'bad-hello');
  t.like(plugin, { state: 'failed', isolation: 'process', channel: 'pipe' });
  t.regex(plugin.lastError, /"methods" is not an array/);
  t.deepEqual(await daemon.call('echo.say', { text: 'x' }), { text: 'x' });
});

pythonTest('a child the plugin started is gone once the plugin is unloaded', async (t) => {
  const daemon = await faultyDaemon(t);
  const child: number = await daemon.call('faulty.spawn_child');
  t.true(processAlive(child));
  await daemon.call('plugins.unload', { name: 'faulty' });
  t.false(
    await until(
      async () => processAlive(child),
      (alive) => !alive,
    ),
  );
});

pythonTest('an unload lets calls in flight finish before plugd.shutdown, then the process is gone', async (t) => {
  const daemon = await faultyDaemon(t);
  const { pid } = await pluginNamed(daemon, 'faulty');
  const client = await daemon.client();
  const inFlight = client.call('faulty.wait', { ms: 1000 });
  await until(
    () => pluginNamed(daemon, 'faulty'),
    (plugin) => plugin.inFlight === 1,
  );
  await daemon.call('plugins.unload', { name: 'faulty' });
  t.is(await inFlight, 1000);
  t.false(
    await until(
      async () => processAlive(pid),
      (alive) => !alive,
    ),
  );
});

pythonTest('a stdio plugin ends with its daemon: kill -9 of the daemon is end-of-file on its stdin', async (t) => {
  const daemon = await faultyDaemon(t);
  const { pid } = await pluginNamed(daemon, 'faulty');
  daemon.signal('SIGKILL');
  await daemon.exited;
  t.false(
    await until(
      async () => processAlive(pid),
      (alive) => !alive,
    ),
  );
});
