// `HOST:PORT` addresses (the TCP listener, the metrics endpoint).

import { isIPv4 } from 'node:net';
import { InvalidAddressError } from './errors.js';

/** `HOST:PORT`, IPv6 hosts in brackets (also the config schema's pattern). */
export const ADDRESS_PATTERN = '^(?:\\[([0-9a-fA-F:.]+)\\]|([^:\\s]+)):([0-9]{1,5})$';
const ADDRESS = new RegExp(ADDRESS_PATTERN);

/** Splits `HOST:PORT` (IPv6 hosts in brackets). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = ADDRESS.exec(address);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new InvalidAddressError(address);
  return { host: match[1] ?? match[2], port };
}

/** `HOST:PORT` as `parseAddress` reads it back: an IPv6 host in brackets. */
export function formatAddress({ host, port }: { host: string; port: number }): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Only literal loopback addresses (127.0.0.0/8, ::1) and `localhost`: a name like `127.evil.example` resolves anywhere. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}
