// How a command talks to the running daemon: over its control socket, or with
// --tcp over the TCP listener.

import type { Command } from 'commander';
import { parseAddress } from '../contract/address.js';
import { homePaths, resolveHome } from '../home/paths.js';
import { authenticate, clientToken } from './client-token.js';
import { tlsClientOptions, type TlsFlags } from './tls-flags.js';
import { checkHomeIsFolder } from '../home/home.js';
import { RpcClient } from './client.js';
import { addClientOptions, globals, type GlobalOptions } from './global-options.js';

function socketPath(command: Command): string {
  const home = resolveHome(globals(command).home);
  checkHomeIsFolder(home);
  return homePaths(home).socket;
}

/**
 * Runs `fn` with a connected client: the unix socket, or with `--tcp` the TCP
 * listener, authenticated with the token of --token-file, $PLUGD_TOKEN or the home.
 */
export async function withClient(command: Command, fn: (client: RpcClient) => Promise<void>): Promise<void> {
  const { tcp, tokenFile, home, ...tls } = command.optsWithGlobals<GlobalOptions & TlsFlags>();
  const token = tcp ? clientToken(tokenFile, resolveHome(home)) : undefined;
  const client = await RpcClient.connect(
    tcp ? { ...parseAddress(tcp), tls: tlsClientOptions(tls) } : socketPath(command),
  );
  try {
    if (token) await authenticate(client, token);
    await fn(client);
  } finally {
    client.close();
  }
}

/** A command that talks to the daemon, over the unix socket or, with --tcp, the TCP listener. */
export function clientCommand(program: Command, nameAndArgs: string, description: string): Command {
  return addClientOptions(program.command(nameAndArgs).description(description));
}
