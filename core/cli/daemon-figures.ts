// What `plugd status` and `plugd top` show, read in one call of
// `daemon.metrics` (core/observe/daemon-metrics.ts) and shaped once for every view
// (core/contract/figures.ts).

import type { DaemonMetrics } from '../contract/daemon.js';
import { figuresOf, type Figures } from '../contract/figures.js';
import type { RpcClient } from './client.js';

export async function readFigures(client: RpcClient): Promise<Figures> {
  return figuresOf(await client.call<DaemonMetrics>('daemon.metrics'), Date.now());
}
