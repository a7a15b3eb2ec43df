// Process isolation over the IPC pipe, as without the shared-memory addon:
// PLUGD_NO_SHM=1 hides it from the daemons this file starts. See process-cases.ts.

import { HIDE_SHM_ENV } from '../../core/channel/shm.js';
import { registerProcessCases } from './process-cases.js';

process.env[HIDE_SHM_ENV] = '1';
registerProcessCases('pipe');
