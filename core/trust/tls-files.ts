// `tcpTls`: the PEM files that put TLS on the TCP listener. With a `ca`, a
// client must present a certificate it signed (mutual TLS).

import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import type { TlsFiles } from '../config/config.js';
import { ConfigError } from '../contract/errors.js';

function readPem(key: keyof TlsFiles, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read tcpTls.${key} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function tlsOptions(files: TlsFiles): TlsOptions {
  const ca = files.ca === undefined ? undefined : readPem('ca', files.ca);
  return {
    cert: readPem('cert', files.cert),
    key: readPem('key', files.key),
    ...(ca && { ca, requestCert: true, rejectUnauthorized: true }),
  };
}
