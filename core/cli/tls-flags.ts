// `--tls`, `--tls-ca`, `--tls-cert`, `--tls-key`: how `plugd … --tcp` reaches
// a TCP listener that speaks TLS (`tcpTls`), mutual TLS included.

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { InvalidInputError } from '../contract/errors.js';

export interface TlsFlags {
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidInputError(`cannot read ${flag} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** TLS options for the client, or undefined for plain TCP. */
export function tlsClientOptions(flags: TlsFlags): ConnectionOptions | undefined {
  if (!flags.tls && !flags.tlsCa && !flags.tlsCert && !flags.tlsKey) return undefined;
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey))
    throw new InvalidInputError('--tls-cert and --tls-key go together');
  return {
    ...(flags.tlsCa && { ca: readPem('--tls-ca', flags.tlsCa) }),
    ...(flags.tlsCert && { cert: readPem('--tls-cert', flags.tlsCert) }),
    ...(flags.tlsKey && { key: readPem('--tls-key', flags.tlsKey) }),
  };
}
