// `plugd dashboard`: the web dashboard's login URL, from the running daemon's
// TCP listener and the home's token, in the fragment: no server or history
// keeps it. Opening it logs the browser in.

import { homePaths } from '../home/paths.js';
import { readToken } from '../trust/token.js';
import { RpcClient } from './client.js';
import { hasCode, NotFoundError, PlugdErrorCode } from '../contract/errors.js';

export function loginUrl(tcp: string, token: string, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${tcp}/login#token=${token}`;
}

export async function printDashboardUrl(home: string): Promise<void> {
  let status: { tcp?: string; tcpTls: boolean };
  try {
    const client = await RpcClient.connect(homePaths(home).socket);
    try {
      status = await client.call<{ tcp?: string; tcpTls: boolean }>('daemon.status');
    } finally {
      client.close();
    }
  } catch (error) {
    if (hasCode(error, PlugdErrorCode.NOT_RUNNING))
      throw new NotFoundError(`no dashboard: the daemon is not running (start it with --tcp 127.0.0.1:10042)`, {
        cause: error,
      });
    throw error;
  }
  if (!status.tcp)
    throw new NotFoundError('no dashboard: the daemon has no TCP listener (start it with --tcp 127.0.0.1:10042)');
  process.stdout.write(`${loginUrl(status.tcp, readToken(home), status.tcpTls)}\n`);
}
