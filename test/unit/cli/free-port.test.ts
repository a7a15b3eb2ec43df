// `npm start`'s port: 10042, or the next one free.

import test from 'ava';
import { createServer } from 'node:net';
import { firstFreePort } from '../../../core/cli/free-port.js';

test('firstFreePort passes over a port that is taken', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  t.not(await firstFreePort('127.0.0.1', port), port);
});
