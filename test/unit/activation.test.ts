// Activation on first call, its parts apart from the supervisor (which
// supervisor.test.ts runs on a fake worker): where "onCall" may be asked, what
// the config accepts, and what keeps a plugin eager whatever it asks.

import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfigFile } from '../../core/config.js';
import { inspectCandidate } from '../../core/host/discovery.js';
import { eagerReason } from '../../core/host/activation.js';
import { LearningSlots } from '../../core/host/learning-slots.js';

const parse = (config: object) => () => parseConfigFile(JSON.stringify(config), 'plugd.json');

test('a manifest may ask for onCall in "plugd"; a wrong value is skipped with the reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-activation-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.js'), '');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lazy', plugd: { activation: 'onCall' } }));
  t.like(inspectCandidate(dir), { name: 'lazy', activation: 'onCall' });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lazy', plugd: { activation: 'later' } }));
  t.like(inspectCandidate(dir), { reason: 'package.json "plugd.activation" is not "eager" or "onCall"' });
});

test('the config takes activation at the top and per plugin, with idleStopMs; eager is the default', (t) => {
  t.notThrows(parse({ activation: 'onCall', plugins: { p: { activation: 'eager', idleStopMs: 1000 } } }));
  t.throws(parse({ activation: 'lazy' }), { message: /config\.activation/ });
  t.throws(parse({ plugins: { p: { idleStopMs: 0 } } }), { message: /config\.plugins\.p\.idleStopMs/ });
  const home = mkdtempSync(join(tmpdir(), 'plugd-activation-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  t.is(loadConfig({ home, file: {} }).activation, 'eager');
});

test('hooks, signals and loops keep a plugin eager, and the reason names them', (t) => {
  const bare = { methods: [{ name: 'a' }], signals: [], hooks: [], snapshot: true };
  t.is(eagerReason(bare), undefined);
  t.is(eagerReason({ ...bare, loops: 0 }), undefined);
  t.is(eagerReason({ ...bare, hooks: ['pluginLoaded'] }), 'it taps hooks (pluginLoaded)');
  t.is(eagerReason({ ...bare, signals: ['SIGUSR2'] }), 'it listens to signals (SIGUSR2)');
  t.is(eagerReason({ ...bare, loops: 2 }), 'it runs 2 loops');
});

test('learning slots: at most their size run at once, each waiter gets its turn, a failure frees its slot', async (t) => {
  const slots = new LearningSlots(2);
  let running = 0;
  let most = 0;
  const releases: Array<() => void> = [];
  const task = (fail: boolean) => () =>
    new Promise<string>((resolve, reject) => {
      running++;
      most = Math.max(most, running);
      releases.push(() => {
        running--;
        if (fail) reject(new Error('setup threw'));
        else resolve('done');
      });
    });
  const outcomes = [slots.run(task(true)), ...Array.from({ length: 4 }, () => slots.run(task(false)))];
  const settled = Promise.allSettled(outcomes);
  // Release whichever tasks run, until all five have run.
  for (let released = 0; released < 5; released++) {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    t.true(running <= 2);
    releases.shift()!();
  }
  const results = await settled;
  t.is(most, 2);
  t.is(results[0].status, 'rejected');
  t.deepEqual(
    results.slice(1).map((result) => result.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
  );
});
