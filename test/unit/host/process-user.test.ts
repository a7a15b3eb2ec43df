// The user and group a process plugin runs as.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { processIds } from '../../../core/host/process-user.js';

test('user and group: numbers pass, names resolve, an unknown name and a daemon not running as root are errors that say so', (t) => {
  const getuid = process.getuid;
  t.teardown(() => (process.getuid = getuid));
  process.getuid = () => 1000;
  t.throws(() => processIds('nobody', undefined), {
    message: 'cannot run as user nobody: plugd is not running as root',
  });
  t.deepEqual(processIds(undefined, undefined), {});
  process.getuid = () => 0;
  t.deepEqual(processIds(4242, 4343), { uid: 4242, gid: 4343 });
  t.throws(() => processIds('no-such-user-here', undefined), { message: 'no such user: no-such-user-here' });
  t.is(processIds('nobody', undefined).uid, Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
});
