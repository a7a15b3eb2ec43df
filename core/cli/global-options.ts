// The options every command reads from the program (--home, --verbose), and
// the client options a command that talks to the daemon takes.

import type { Command } from 'commander';

export interface GlobalOptions {
  home?: string;
  verbose?: boolean;
  tcp?: string;
  tokenFile?: string;
}

export function addClientOptions(command: Command): Command {
  return command
    .option('--tcp <host:port>', 'talk to the TCP listener instead of the unix socket')
    .option('--token-file <file>', `over --tcp, the token to offer (default: $PLUGD_TOKEN, else the home's token file)`)
    .option('--tls', 'over --tcp, speak TLS (implied by the --tls-* options)')
    .option('--tls-ca <file>', "trust the listener's certificate if this CA signed it")
    .option('--tls-cert <file>', 'a client certificate, for a listener with mutual TLS (with --tls-key)')
    .option('--tls-key <file>', "the client certificate's key");
}

export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}
