// `HOST:PORT` addresses (the TCP listener, the metrics endpoint).

/** Splits `HOST:PORT` (IPv6 hosts in brackets). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`invalid address "${address}": expected HOST:PORT, e.g. 127.0.0.1:10042`);
  return { host: match[1] ?? match[2], port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
