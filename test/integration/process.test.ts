// Process isolation over the shared-memory ring (native/sab-shm): see process-cases.ts.

import test from 'ava';
import { loadShm, shmMissingReason } from '../../core/channel/shm.js';
import { registerProcessCases } from './process-cases.js';

if (loadShm()) registerProcessCases('shm');
else test.skip(`process mode over shared memory: ${shmMissingReason()}`, () => undefined);
