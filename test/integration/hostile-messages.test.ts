// Hostile messages from a plugin in a thread and in a process over the
// shared-memory ring (see hostile-cases.ts); hostile-pipe.test.ts runs them
// over the IPC pipe.

import { loadShm } from '../../core/channel/shm.js';
import { registerHostileCases } from './hostile-cases.js';
import test from 'ava';

registerHostileCases('thread');
if (loadShm()) registerHostileCases('shm');
else
  test.skip('shm: the shared-memory addon is not built here, the process cases over the ring are skipped', () =>
    undefined);
