// `plugd restart`: stops the home's daemon and starts it again, detached,
// with the folder and listeners it served (what `daemon.status` says), unless
// flags given here say otherwise. A daemon that was not running is started.

import { isLoopback, parseAddress } from '../contract/address.js';
import { homePaths, resolveHome } from '../home/paths.js';
import { RpcClient } from './client.js';
import { hasCode, PlugdErrorCode } from '../contract/errors.js';
import type { StartFlags, StartOptions } from './start.js';
import { stop } from './stop.js';

/** What `daemon.status` tells of how the daemon was started. */
interface RunningAs {
  pluginDir: string;
  watch: boolean;
  tcp?: string;
  metrics?: string;
}

export async function restart(flags: StartFlags, home: string | undefined): Promise<void> {
  const paths = homePaths(resolveHome(home));
  const previous = await runningAs(paths.socket);
  if (previous) await stop(paths);
  else process.stderr.write('plugd was not running; starting it\n');
  const { start } = await import('./start.js');
  const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  await start({ ...(previous ? startFlagsOf(previous) : {}), ...given, home: paths.home } satisfies StartOptions);
}

async function runningAs(socket: string): Promise<RunningAs | undefined> {
  let client: RpcClient;
  try {
    client = await RpcClient.connect(socket);
  } catch (error) {
    if (hasCode(error, PlugdErrorCode.NOT_RUNNING)) return undefined;
    throw error;
  }
  try {
    return await client.call<RunningAs>('daemon.status');
  } finally {
    client.close();
  }
}

/** The same folder and listeners; an address that was allowed off loopback stays allowed. */
function startFlagsOf(running: RunningAs): StartFlags {
  const remote = [running.tcp, running.metrics].some(
    (address) => address !== undefined && !isLoopback(parseAddress(address).host),
  );
  return {
    plugins: running.pluginDir,
    watch: running.watch || undefined,
    tcp: running.tcp,
    metrics: running.metrics,
    tcpAllowRemote: remote || undefined,
  };
}
