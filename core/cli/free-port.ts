// `npm start` puts the dashboard at 127.0.0.1:10042, or the next free port:
// run as a script, this prints the first port from FROM up that HOST can bind.
// (The daemon itself, told a port, fails when it is taken: a user who names
// a port means that one.)

import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../contract/errors.js';

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function firstFreePort(host: string, from: number, tries = 100): Promise<number> {
  for (let port = from; port < from + tries; port++) if (await canListen(host, port)) return port;
  throw new NotFoundError(`no free port on ${host} from ${from} to ${from + tries - 1}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host = '127.0.0.1', from = '10042'] = process.argv.slice(2);
  process.stdout.write(`${host}:${await firstFreePort(host, Number(from))}\n`);
}
