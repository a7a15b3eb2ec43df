// What keeps a plugin eager whatever its manifest asks (activation on first
// call; the supervisor's side runs in supervisor.test.ts on a fake worker).

import test from 'ava';
import { eagerReason } from '../../../core/host/activation.js';

test('hooks, signals and loops keep a plugin eager, and the reason names them', (t) => {
  const bare = { methods: [{ name: 'a' }], signals: [], hooks: [], snapshot: true };
  t.is(eagerReason(bare), undefined);
  t.is(eagerReason({ ...bare, loops: 0 }), undefined);
  t.is(eagerReason({ ...bare, hooks: ['pluginLoaded'] }), 'it taps hooks (pluginLoaded)');
  t.is(eagerReason({ ...bare, signals: ['SIGUSR2'] }), 'it listens to signals (SIGUSR2)');
  t.is(eagerReason({ ...bare, loops: 2 }), 'it runs 2 loops');
});
