// engines.ts: the forms of an npm range a plugin's `engines.plugd` uses.

import test from 'ava';
import { checkEngines, satisfies } from '../../../core/host/engines.js';

test('the common range forms', (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['0.1.0', '>=0.1', true],
    ['0.1.0', '>=0.2', false],
    ['0.1.5', '^0.1.2', true],
    ['0.2.0', '^0.1.2', false],
    ['1.9.0', '^1.2.3', true],
    ['2.0.0', '^1.2.3', false],
    ['0.0.4', '^0.0.3', false],
    ['1.2.9', '~1.2', true],
    ['1.3.0', '~1.2', false],
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '1.2.3', false],
    ['1.2.4', '1.2.x', true],
    ['5.0.0', '*', true],
    ['0.1.0', '>=9 || ~0.1.0', true],
    ['0.1.0', '>= 0.1.0 < 0.2.0', true],
    ['0.2.0', '>=0.1.0 <0.2.0', false],
    ['1.0.0', '>1.0.0', false],
    ['1.0.1', '>1.0.0', true],
    ['1.0.0', '<=1.0', true],
  ];
  for (const [version, range, expected] of cases) t.is(satisfies(version, range), expected, `${version} in ${range}`);
});

test('a mismatch names both versions; a range it cannot read says so', (t) => {
  t.notThrows(() => checkEngines(undefined, '0.1.0'));
  t.throws(() => checkEngines('^2', '0.1.0'), { message: 'requires plugd ^2 (engines.plugd), this is plugd 0.1.0' });
  t.throws(() => checkEngines('latest', '0.1.0'), {
    message: 'engines.plugd: "latest" is not a version range plugd understands',
  });
});
