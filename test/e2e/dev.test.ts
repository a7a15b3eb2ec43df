// The developer loop: `plugd dev ./my-plugin` serves the plugin, each save is
// the next call's code, and a compile error is printed while the last good
// version keeps serving.

import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../../core/cli/client.js';
import { CLI, killOnExit } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const source = (greeting: string) => `import { definePlugin, Type } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('greet', { params: Type.Object({ name: Type.String() }) }, ({ name }) => '${greeting}, ' + name);
  },
});
`;

test('plugd dev reloads on save and keeps the last good version through a compile error', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'plugd-dev-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  mkdirSync(join(folder, 'src'));
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({ name: 'mine', type: 'module', plugd: { entry: 'src/index.ts' } }),
  );
  writeFileSync(join(folder, 'src/index.ts'), source('hello'));

  const child = spawn(process.execPath, [CLI, 'dev', folder], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.teardown(() => child.kill('SIGKILL'));
  killOnExit(() => child.kill('SIGKILL'));
  let output = '';
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('running in the foreground')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  t.regex(output, /dev: +watching .*: save a change/);
  const client = await RpcClient.connect(join(folder, '.plugd-dev', 'plugd.sock'));
  t.teardown(() => client.close());
  const greet = () => client.call<string>('mine.greet', { name: 'you' });
  const answers = (expected: string) => until(greet, (answer) => answer === expected);
  t.is(await greet(), 'hello, you');

  writeFileSync(join(folder, 'src/index.ts'), source('hi'));
  await answers('hi, you');
  // One readable line per save, no JSON.
  await until(
    async () => output,
    (text) => /^reloaded mine in \d+ ms$/m.test(text),
  );

  writeFileSync(join(folder, 'src/index.ts'), source('broken').replace('setup(ctx) {', 'setup(ctx) {{'));
  await until(
    async () => output,
    (text) => text.includes('compile error'),
  );
  t.is(await greet(), 'hi, you');
  const errors = output.split('\n').filter((line) => line.includes('compile error'));
  t.is(errors.length, 1, output);
  t.regex(errors[0], /^error: plugin mine failed to load: compile error: .*src\/index\.ts:\d+:\d+: /);
  t.false(
    output.split('\n').some((line) => line.startsWith('{')),
    output,
  );

  writeFileSync(join(folder, 'src/index.ts'), source('welcome'));
  await answers('welcome, you');
  child.kill('SIGTERM');
  t.is(await exited, 0);
});
