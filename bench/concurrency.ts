// Calls per second against one newline-JSON server at 1 and 32 calls in
// flight. "32 in flight" is 32 connections with one call each, not 32 calls
// pipelined on one connection: it is how a daemon is loaded in practice (many
// independent clients), and it is done the same way for the bare socket, the
// built-in and the plugin figures, so their ratios compare like with like.

import { RpcClient } from '../core/cli/client.js';
import { closedLoop } from './harness.js';
import type { BenchResult } from './result.js';

const IN_FLIGHT = [1, 32] as const;

interface CallTarget {
  /** The figure's name without the `.cN` suffix, e.g. `rpc.plugin`. */
  prefix: string;
  unit: string;
  socket: string;
  serverPid: number;
  method: string;
  params: unknown;
  inFlight?: readonly number[];
}

export async function callsPerSecond(target: CallTarget): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const inFlight of target.inFlight ?? IN_FLIGHT) {
    const clients = await Promise.all(Array.from({ length: inFlight }, () => RpcClient.connect(target.socket)));
    try {
      results.push(
        await closedLoop({
          name: `${target.prefix}.c${inFlight}`,
          unit: target.unit,
          clients,
          call: (client) => client.call(target.method, target.params),
          serverPid: target.serverPid,
        }),
      );
    } finally {
      for (const client of clients) client.close();
    }
  }
  return results;
}

/** The call every throughput figure makes, so the bytes on the wire are alike. */
export const PROBE_PARAMS = { method: 'daemon.status' };
