// `plugd upgrade`: asks the running daemon to start its successor on the same
// sockets (`daemon.upgrade`), prints each phase, then checks that the socket
// is answered by the successor. A failed upgrade exits 1 with the reason; the
// old daemon serves on.

import type { HomePaths } from '../home/paths.js';
import type { UpgradeOutcome, UpgradeRequest } from '../rpc/builtins-daemon.js';
import { RpcClient } from './client.js';
import { UpgradeError } from '../contract/errors.js';

export async function upgrade(paths: HomePaths, request: UpgradeRequest): Promise<void> {
  const started = performance.now();
  const client = await RpcClient.connect(paths.socket);
  let outcome: UpgradeOutcome;
  try {
    outcome = await client.call<UpgradeOutcome>('daemon.upgrade', request);
  } finally {
    client.close();
  }
  for (const { phase, ms } of outcome.phases) process.stdout.write(`${phase} (${ms} ms)\n`);
  const check = await RpcClient.connect(paths.socket);
  try {
    const { pid } = await check.call<{ pid: number }>('daemon.status');
    if (pid !== outcome.pid)
      throw new UpgradeError(`the socket is answered by pid ${pid}, not the successor (pid ${outcome.pid})`);
  } finally {
    check.close();
  }
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `done in ${ms} ms: plugd ${outcome.version} (pid ${outcome.pid}) serves; pid ${outcome.from.pid} drains and exits\n`,
  );
}
