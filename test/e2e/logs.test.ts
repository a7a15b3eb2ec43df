// `plugd logs PLUGIN` tells a plugin's story: its load, pauses, reloads (old
// → new version), crash and restart are logged at info with its name, and
// the command filters by plugin and level, keeps the last N, and follows.

import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, runCli, startDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const manifest = (version: string) =>
  JSON.stringify({ name: 'hello', version, type: 'module', plugd: { entry: 'index.js' } });
const HELLO = `export default { setup(ctx) {
  ctx.rpc.method('greet', {}, () => 'hi');
  ctx.rpc.method('die', {}, () => { setTimeout(() => process.exit(3), 10); return 'bye'; });
} };
`;

const records = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; plugin?: string; msg: string });

test("plugd logs hello -n 5 prints that plugin's last five records: pause, resume, reload, crash, restart", async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'hello/package.json': manifest('1.0.0'),
      'hello/index.js': HELLO,
      'other.plugin.js': 'export default { setup() {} };\n',
    },
  });
  await runCli(['--home', daemon.home, 'pause', 'hello']);
  await runCli(['--home', daemon.home, 'resume', 'hello']);
  writeFileSync(join(daemon.pluginDir, 'hello', 'package.json'), manifest('1.0.1'));
  writeFileSync(join(daemon.pluginDir, 'hello', 'index.js'), HELLO.replace("'hi'", "'hi again'"));
  t.is((await runCli(['--home', daemon.home, 'reload', 'hello'])).stdout, 'hello: reloaded\n');
  await daemon.call('hello.die');
  await until(
    () => daemon.call('plugins.status', { name: 'hello' }),
    (status) => status.state === 'ready' && status.restarts === 1,
  );

  const all = await runCli(['--home', daemon.home, 'logs', 'hello']);
  t.regex(records(all.stdout)[0].msg, /^loaded hello 1\.0\.0 in \d+ ms$/);
  const last = await runCli(['--home', daemon.home, 'logs', 'hello', '-n', '5']);
  t.is(last.code, 0, last.stderr);
  const story = records(last.stdout);
  t.true(story.every((record) => record.plugin === 'hello'));
  t.deepEqual(
    story.map((record) => record.msg.replace(/\d+ ms/, 'N ms')),
    [
      'paused hello',
      'resumed hello',
      'reloaded hello 1.0.0 → 1.0.1 in N ms',
      story[3].msg,
      'restarted hello after a crash (restart 1)',
    ],
  );
  t.regex(story[3].msg, /^plugin hello crashed: /);

  const errors = records((await runCli(['--home', daemon.home, 'logs', 'hello', '--level', 'error'])).stdout);
  t.true(errors.length >= 1 && errors.every((record) => record.level >= 50));
  const usage = await runCli(['--home', daemon.home, 'logs', '-n', 'many']);
  t.is(usage.code, 2);
});

test('plugd logs -f PLUGIN follows that plugin only', async (t) => {
  const daemon = await startDaemon(t, {
    plugins: {
      'hello/package.json': manifest('1.0.0'),
      'hello/index.js': HELLO,
      'other.plugin.js': 'export default { setup() {} };\n',
    },
  });
  const follower = spawn(process.execPath, [CLI, '--home', daemon.home, 'logs', '-f', '-n', '0', 'hello'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => follower.kill('SIGKILL'));
  let output = '';
  follower.stdout.on('data', (chunk) => (output += chunk));
  // `-n 0` starts at the log's end as the follower finds it, and a busy machine may start it late:
  // a record counts only once one written after its start has come through.
  const cli = (...args: string[]) => runCli(['--home', daemon.home, ...args]);
  /** Whether `text` shows within a few seconds (the follower polls its log every 250 ms). */
  const shows = async (text: string) => {
    for (const giveUpAt = Date.now() + 3_000; Date.now() < giveUpAt; await sleep(50)) {
      if (output.includes(text)) return true;
    }
    return output.includes(text);
  };
  let following = false;
  for (let round = 0; round < 10 && !following; round++) {
    await cli('pause', 'hello');
    following = await shows('paused hello');
    if (!following) await cli('resume', 'hello');
  }
  t.true(following, 'the follower shows a record written after its start');
  await cli('pause', 'other');
  await cli('resume', 'hello');
  t.true(await shows('resumed hello'), 'the follower goes on following');
  const shown = records(output).map((record) => record.msg);
  t.true(
    shown.every((msg) => /hello$/.test(msg)),
    `only hello's records: ${JSON.stringify(shown)}`,
  );
  t.is(shown.at(-1), 'resumed hello');
});
