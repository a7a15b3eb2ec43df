// plugins.load may load only from the plugin folder and loadPaths; a path
// that leads out (`..`, a symlink) is refused with the reason.

import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPathRefusal } from '../../../core/trust/load-paths.js';

test('only paths inside the plugin folder or a loadPaths folder are allowed', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'plugd-load-paths-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const plugins = join(root, 'plugins');
  const extra = join(root, 'extra');
  const outside = join(root, 'outside');
  for (const dir of [plugins, extra, outside]) mkdirSync(dir);
  writeFileSync(join(outside, 'evil.plugin.js'), '');
  symlinkSync(outside, join(plugins, 'link'));
  const roots = [plugins, extra];

  t.is(loadPathRefusal(join(plugins, 'a.plugin.js'), roots), undefined);
  t.is(loadPathRefusal(join(extra, 'pkg'), roots), undefined);
  t.is(loadPathRefusal(join(root, 'extra-not'), roots)?.includes('outside the plugin folder and loadPaths'), true);
  for (const path of [
    join(outside, 'evil.plugin.js'),
    join(plugins, '..', 'outside', 'evil.plugin.js'),
    join(plugins, 'link', 'evil.plugin.js'),
    '/etc',
  ]) {
    t.regex(
      loadPathRefusal(path, roots) ?? '',
      /is outside the plugin folder and loadPaths .*: add its folder to loadPaths in plugd\.json/,
      path,
    );
  }
});
