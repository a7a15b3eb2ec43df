// sdk-python's own tests (python3 unittest) and those of a plugin made by
// `plugd new NAME --lang python`, run from `npm test`; skipped by name where
// python3 is missing.

import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../helpers/daemon.js';
import { HAS_PYTHON } from '../fixtures/exec/plugins.js';

const pythonTest = HAS_PYTHON ? test : test.skip;
if (!HAS_PYTHON)
  test.skip('sdk-python and the Python scaffold unittests: python3 is not installed here', () => undefined);

/** Runs python3 unittest in `cwd`; resolves with its exit code and what it printed. */
function unittest(cwd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['-m', 'unittest', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

pythonTest('sdk-python/test_plugd.py passes', async (t) => {
  const { code, output } = await unittest(ROOT, ['discover', '-s', 'sdk-python', '-p', 'test_*.py']);
  t.is(code, 0, output);
  t.regex(output, /Ran \d+ tests/);
});

pythonTest('a plugin made by plugd new --lang python passes its own tests', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-new-python-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  const created = await runCli(['--home', home, 'new', 'scaffolded', '--lang', 'python', '--dir', dir]);
  t.is(created.code, 0, created.stderr);
  const { code, output } = await unittest(join(dir, 'scaffolded'), []);
  t.is(code, 0, output);
  t.regex(output, /Ran 3 tests/);
});
