// Hostile messages from a plugin process over its IPC pipe, as without the
// shared-memory addon: PLUGD_NO_SHM=1 hides it from the daemon this file
// starts. See hostile-cases.ts.

import { HIDE_SHM_ENV } from '../../core/channel/shm.js';
import { registerHostileCases } from './hostile-cases.js';

process.env[HIDE_SHM_ENV] = '1';
registerHostileCases('pipe');
