// The state kept across a stop (core/host/state-store.ts): plain JSON stays
// readable JSON, other snapshots cross as a reload gives them, files are
// private and replaced whole, and a corrupt one is an error naming the file.

import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptStateError, StateStore } from '../../../core/host/state-store.js';

function store(t: { teardown(fn: () => void): void }): StateStore {
  const home = mkdtempSync(join(tmpdir(), 'plugd-state-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  return StateStore.ofHome(home);
}

test('a plain JSON snapshot is kept as JSON, in a 0600 file of a 0700 folder', (t) => {
  const states = store(t);
  states.save('counter', { count: 5, names: ['a', null, true] });
  const file = states.fileOf('counter');
  t.like(JSON.parse(readFileSync(file, 'utf8')), {
    plugin: 'counter',
    encoding: 'json',
    state: { count: 5, names: ['a', null, true] },
  });
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(statSync(states.dir).mode & 0o777, 0o700);
  t.deepEqual(states.read('counter'), { value: { count: 5, names: ['a', null, true] } });
});

test('a snapshot JSON would change (a Map, a Date, NaN, a BigInt) comes back as it went', (t) => {
  const states = store(t);
  const value = { seen: new Map([['first', new Date(5)]]), ratio: NaN, big: 10n ** 20n };
  states.save('tally', value);
  t.is(JSON.parse(readFileSync(states.fileOf('tally'), 'utf8')).encoding, 'v8');
  t.deepEqual(states.read('tally'), { value });
});

test('a scoped name is escaped into one file; list names the plugins, sizes and times, and skips other files', (t) => {
  const states = store(t);
  states.save('@acme/weather', 1);
  states.save('b', 2);
  writeFileSync(join(states.dir, 'b.json.123.tmp'), '{');
  writeFileSync(join(states.dir, 'c.json.corrupt'), '{');
  t.is(states.fileOf('@acme/weather'), join(states.dir, '%40acme%2Fweather.json'));
  const kept = states.list();
  t.deepEqual(
    kept.map((entry) => entry.plugin),
    ['@acme/weather', 'b'],
  );
  t.is(kept[1].bytes, statSync(states.fileOf('b')).size);
  t.true(Date.parse(kept[1].savedAt) > 0);
  t.true(states.remove('b'));
  t.false(states.remove('b'));
  t.is(states.read('b'), undefined);
});

test('a corrupt file is an error naming it, and can be set aside', (t) => {
  const states = store(t);
  states.save('counter', 1);
  const file = states.fileOf('counter');
  for (const text of [
    '{"plugin":',
    '{"plugin":"counter","encoding":"zip","state":1}',
    '{"encoding":"v8","state":"AAAA"}',
  ]) {
    writeFileSync(file, text);
    const error = t.throws(() => states.read('counter'), { instanceOf: CorruptStateError });
    t.is(error?.file, file);
    t.regex(error.message, new RegExp(`^state file ${file} is corrupt: `));
  }
  t.is(states.setAside('counter'), `${file}.corrupt`);
  t.is(states.read('counter'), undefined);
});
