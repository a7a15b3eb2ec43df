// What comodojo/daemon offered, the plugd way: a daemon in a few lines of
// library code, worker loops with pause/resume (and the seed's method names),
// multicall, niceness.

import test from 'ava';
import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../../core/cli/client.js';
import { killOnExit, makeHome, ROOT, startDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const LOOPER = `
import { definePlugin } from 'plugd/sdk';
let iterations = 0, running = 0, overlapped = false, started = 0, stopped = 0;
export default definePlugin({
  setup(ctx) {
    ctx.loop(async () => {
      running++;
      if (running > 1) overlapped = true;
      iterations++;
      // A slow iteration (longer than the interval) must not overlap the next.
      await new Promise((resolve) => setTimeout(resolve, iterations % 3 === 0 ? 30 : 1));
      running--;
      if (iterations % 4 === 0) throw new Error('every fourth iteration fails');
    }, { intervalMs: 10, onStart: () => { started++; }, onStop: () => { stopped++; } });
    ctx.rpc.method('stats', {}, () => ({ iterations, overlapped, started, stopped }));
  },
});
`;

test("the seed's echo daemon, written with the library API, answers over the socket", async (t) => {
  const { home } = makeHome(t);
  const script = fileURLToPath(new URL('../fixtures/library/echo-daemon.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', join(ROOT, 'test/preload.js'), script], {
    env: { ...process.env, PLUGD_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.teardown(() => child.kill('SIGKILL'));
  killOnExit(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk) => String(chunk).includes('echo daemon ready') && resolve()),
  );
  const client = await RpcClient.connect(join(home, 'plugd.sock'));
  t.teardown(() => client.close());
  t.is(await client.call('examples.echo', { message: 'hello' }), 'hello');
  t.is((await t.throwsAsync<any>(client.call('examples.echo', { message: 1 }))).code, -32602);
  t.true((await client.call<string[]>('system.listMethods')).includes('examples.echo'));
  child.kill('SIGTERM');
  t.is(await exited, 0);
});

test('a worker loop runs without overlap, counts its errors, and pauses and resumes (also by the seed names)', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'looper.plugin.js': LOOPER } });
  const stats = await until(
    () => daemon.call('looper.stats'),
    (value: any) => value.iterations >= 12,
  );
  t.false(stats.overlapped);
  t.is(stats.started, 1);
  const [listed] = await daemon.call('worker.list');
  // The core counts an iteration when it ends; the plugin when it begins.
  t.true(listed.loops.iterations >= stats.iterations - 1);
  t.true(listed.loops.errors >= 2);
  t.regex(daemon.output(), /"plugin":"looper".*every fourth iteration fails/);

  // Two pauses at once are both answered (each waits for its own report from the worker).
  const pauses = await Promise.all([
    daemon.call('worker.pause', { name: 'looper' }),
    daemon.call('plugins.pause', { name: 'looper' }),
  ]);
  t.deepEqual(
    pauses.map((answer: any) => answer.paused),
    [true, true],
  );
  const paused = await t.throwsAsync<any>(daemon.call('looper.stats'));
  t.is(paused.code, -32001);
  t.regex(paused.message, /plugin looper is paused/);
  // Once paused, the count stops moving: two readings some iterations apart agree.
  const first = (await daemon.call('worker.status', { name: 'looper' })).loops.iterations;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = (await daemon.call('worker.status', { name: 'looper' })).loops.iterations;
  t.is(second, first);
  t.true((await daemon.call('plugins.list'))[0].paused);
  // A reload while paused starts the new version paused: its loop does not run, not even once.
  await daemon.call('plugins.reload', { name: 'looper', force: true });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is((await daemon.call('worker.status', { name: 'looper' })).loops.iterations, 0);

  await daemon.call('worker.resume', { name: 'looper' });
  const resumed = await until(
    () => daemon.call('looper.stats'),
    (value: any) => value.iterations > second + 3,
  );
  t.false(resumed.overlapped);
  t.is(resumed.started, 1);
});

test('system.multicall answers each call in place; a failing one fails no other', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const answers = await daemon.call('system.multicall', [
    { methodName: 'echo.say', params: { text: 'a' } },
    { methodName: 'echo.say', params: { text: 1 } },
    { methodName: 'no.such' },
    { methodName: 'system.methodHelp', params: ['echo.say'] },
    { methodName: 'system.methodHelp', params: ['echo.say', 'extra'] },
  ]);
  t.deepEqual(answers[0], [{ text: 'a' }]);
  t.is(answers[1].faultCode, -32602);
  t.is(answers[2].faultCode, -32601);
  // methodHelp takes its one param by position too, as XML-RPC introspection calls it; not two.
  t.deepEqual(answers[3], ['Answers with the text it was given.']);
  t.is(answers[4].faultCode, -32602);
  t.truthy((await daemon.call('system.getCapabilities'))['system.multicall']);
});

test('--nice sets the daemon priority, read back from outside', async (t) => {
  const daemon = await startDaemon(t, { args: ['--nice', '7'] });
  t.is(getPriority(daemon.pid), 7);
});

test('daemon.shutdown stops the daemon like daemon.stop', async (t) => {
  const daemon = await startDaemon(t);
  t.deepEqual(await daemon.call('daemon.shutdown'), { stopping: true });
  t.is(await daemon.exited, 0);
});
