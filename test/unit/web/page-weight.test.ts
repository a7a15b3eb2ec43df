// The dashboard's page stays light: its JavaScript and CSS together under
// 150 KB gzipped (as `npm run build` bundles them into dist/web).

import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../../helpers/daemon.js';

test('the page weighs under 150 KB gzipped, JavaScript and CSS together', (t) => {
  const gzipped = (file: string) => gzipSync(readFileSync(join(ROOT, 'dist/web', file))).length;
  const js = gzipped('app.js');
  const css = gzipped('app.css');
  t.log(`app.js ${(js / 1024).toFixed(1)} KB, app.css ${(css / 1024).toFixed(1)} KB gzipped`);
  t.true(js + css < 150 * 1024);
});
