// The home's path: an empty PLUGD_HOME is unset, never the current folder.

import test from 'ava';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolveHome } from '../../../core/home/paths.js';

test('an empty PLUGD_HOME counts as unset', (t) => {
  const saved = process.env.PLUGD_HOME;
  process.env.PLUGD_HOME = '';
  try {
    t.is(resolveHome(), join(homedir(), '.plugd'));
    t.is(resolveHome(''), join(homedir(), '.plugd'));
  } finally {
    process.env.PLUGD_HOME = saved;
  }
});
