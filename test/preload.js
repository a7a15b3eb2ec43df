// Registers tsx's loader in this thread. Node 20 does not pass `--import=tsx`
// on to worker threads, but it does run this preload in every worker it starts
// (workers inherit execArgv), so TypeScript sources load everywhere.
import { register } from 'tsx/esm/api';

register();
