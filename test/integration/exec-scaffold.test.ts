// A Python plugin as a user makes one: `plugd new NAME --lang python` into a
// running daemon's plugin folder, `plugd reload`, then `plugd methods` and
// `plugd call` as printed. Its params are checked by the daemon (-32602), and
// it is reloaded blue/green under 8 looping clients without a failed call,
// its state crossing each reload by plugd.snapshot/plugd.restore; under
// --watch an edit reloads it and a new NAME.plugin loads.

import test from 'ava';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startDaemon } from '../helpers/daemon.js';
import { FAULTY_PY, HAS_PYTHON, pythonScaffold } from '../fixtures/exec/plugins.js';
import { until } from '../helpers/until.js';
import { pluginNamed } from './process-cases.js';

const pythonTest = HAS_PYTHON ? test.serial : test.skip;
if (!HAS_PYTHON) test.skip('the Python scaffold: python3 is not installed here', () => undefined);

/** The scaffold's `greet` declares this schema for its `name`. */
const NAME_SCHEMA = { type: 'string', minLength: 1, description: 'Who to greet' };

pythonTest(
  'plugd new --lang python makes a plugin the daemon lists with its schemas, serves, and checks',
  async (t) => {
    const daemon = await startDaemon(t, { examples: true });
    const plugd = (...args: string[]) => runCli(['--home', daemon.home, ...args]);
    const created = await plugd('new', 'greeter', '--lang', 'python');
    t.is(created.code, 0, created.stderr);
    t.regex(created.stdout, /python3 -m unittest/);
    t.is((await plugd('reload')).code, 0);

    const methods = await plugd('methods');
    for (const name of ['greeter.greet', 'greeter.echo', 'greeter.greeted'])
      t.true(methods.stdout.split('\n').includes(name), methods.stdout);
    const discovered = await daemon.call('rpc.discover');
    const greet = discovered.methods.find((method: any) => method.name === 'greeter.greet');
    t.is(greet.description, 'Greets someone by name.');
    t.like(greet.params[0], { name: 'name', schema: NAME_SCHEMA });

    const called = await plugd('call', 'greeter.greet', '{"name":"you"}');
    t.is(called.code, 0, called.stderr);
    t.is(called.stdout.trim(), '"hello, you!"');
    const refused = await plugd('call', 'greeter.greet', '{"nam":"you"}');
    t.is(refused.code, 1);
    t.regex(refused.stderr, /-32602/);
    t.like(await pluginNamed(daemon, 'greeter'), { state: 'ready', isolation: 'process', channel: 'pipe', served: 1 });
  },
);

pythonTest(
  'the Python scaffold reloads blue/green under 8 looping clients without a failed call, its state crossing',
  async (t) => {
    t.timeout(180_000);
    const daemon = await startDaemon(t, {});
    t.is((await runCli(['--home', daemon.home, 'new', 'greeter', '--lang', 'python'])).code, 0);
    await daemon.call('plugins.load', { path: join(daemon.pluginDir, 'greeter') });
    let done = false;
    let greeted = 0;
    const errors: string[] = [];
    const loops = Array.from({ length: 8 }, async () => {
      const client = await daemon.client();
      while (!done) {
        try {
          await client.call('greeter.greet', { name: 'loop' });
          greeted++;
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    });
    const pids = new Set<number>();
    for (let reload = 0; reload < 20; reload++) {
      await daemon.call('plugins.reload', { name: 'greeter', force: true });
      pids.add((await pluginNamed(daemon, 'greeter')).pid);
    }
    // A change of its file is a reload too (no force needed).
    appendFileSync(join(daemon.pluginDir, 'greeter', 'main.py'), '# edited\n');
    t.like(await daemon.call('plugins.reload', { name: 'greeter' }), { changed: true });
    done = true;
    await Promise.all(loops);
    t.deepEqual(errors, []);
    t.true(greeted > 0);
    t.true(pids.size >= 20, `${pids.size} processes served`);
    const count: number = await daemon.call('greeter.greeted', {});
    // Calls the old version takes between its snapshot and the swap are not carried; the rest are.
    t.true(count > greeted / 2 && count <= greeted, `count ${count} of ${greeted} greetings`);
    await daemon.call('plugins.reload', { name: 'greeter', force: true });
    t.is(await daemon.call('greeter.greeted', {}), count, 'a quiet reload carries the count exactly');
    t.like(await pluginNamed(daemon, 'greeter'), { state: 'ready', restarts: 0, reloads: 22 });
  },
);

pythonTest("under --watch, an edit to a stdio plugin's file reloads it, and a new NAME.plugin loads", async (t) => {
  const daemon = await startDaemon(t, { args: ['--watch'], plugins: pythonScaffold('greeter') });
  const before = await pluginNamed(daemon, 'greeter');
  const main = join(daemon.pluginDir, 'greeter', 'main.py');
  writeFileSync(
    main,
    readFileSync(main, 'utf8').replace(
      'if __name__ == "__main__":',
      '@plugin.method()\ndef added():\n    return "new"\n\n\nif __name__ == "__main__":',
    ),
  );
  t.is(
    await until(
      () => daemon.call('greeter.added').catch(() => undefined),
      (answer) => answer === 'new',
    ),
    'new',
  );
  const after = await pluginNamed(daemon, 'greeter');
  t.like(after, { state: 'ready', restarts: 0 });
  t.true(after.reloads >= 1);
  t.not(after.pid, before.pid);
  const single = join(daemon.pluginDir, 'single.plugin');
  writeFileSync(single, `#!/bin/sh\nexec python3 ${JSON.stringify(FAULTY_PY)}\n`, { mode: 0o755 });
  t.is(
    await until(
      () => daemon.call('single.ok').catch(() => undefined),
      (answer) => answer === 'ok',
    ),
    'ok',
  );
  t.like(await pluginNamed(daemon, 'single'), { isolation: 'process', channel: 'pipe', entry: single });
});
