// What a plugin's manifest may ask for in "plugd", and the reason a wrong
// value is skipped with.

import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectCandidate } from '../../../core/host/discovery.js';

function folder(t: any, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-isolation-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, contents] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), contents);
  }
  return dir;
}

test('a manifest may ask for onCall in "plugd"; a wrong value is skipped with the reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-activation-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.js'), '');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lazy', plugd: { activation: 'onCall' } }));
  t.like(inspectCandidate(dir), { name: 'lazy', activation: 'onCall' });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lazy', plugd: { activation: 'later' } }));
  t.like(inspectCandidate(dir), { reason: 'package.json "plugd.activation" is not "eager" or "onCall"' });
});

test('a manifest asks for an isolation in "plugd"; a wrong one is skipped with the reason', (t) => {
  const asks = folder(t, {
    'index.js': '',
    'package.json': JSON.stringify({ name: 'p', plugd: { isolation: 'process' } }),
  });
  t.like(inspectCandidate(asks), { name: 'p', isolation: 'process' });
  const wrong = folder(t, {
    'index.js': '',
    'package.json': JSON.stringify({ name: 'p', plugd: { isolation: 'vm' } }),
  });
  t.like(inspectCandidate(wrong), { reason: 'package.json "plugd.isolation" is not "thread", "process" or "auto"' });
});
