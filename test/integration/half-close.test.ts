// A client that sends its requests and then half-closes (SHUT_WR, `nc -N`)
// still reads every answer, plugin calls and batches included, over the unix
// socket and TCP; the daemon ends the connection after the last answer.

import test from 'ava';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';

/** Connects, writes `lines`, half-closes, and collects everything until the daemon closes its side. */
function sendThenHalfClose(
  target: string | { host: string; port: number },
  lines: unknown[],
  lastNewline = true,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket: Socket = typeof target === 'string' ? connect(target) : connect(target.port, target.host);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      const text = lines.map((line) => JSON.stringify(line)).join('\n');
      socket.end(lastNewline ? `${text}\n` : text);
    });
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('end', () =>
      resolve(
        received
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line)),
      ),
    );
  });
}

type Answer = { id: unknown; result?: unknown };
const byId = (answers: unknown[]): Record<string, Answer> =>
  Object.fromEntries((answers as Answer[]).map((answer) => [JSON.stringify(answer.id), answer]));

test('over the unix socket, a half-closed client gets the answers of its plugin calls, batches and built-ins', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const answers = await sendThenHalfClose(
    daemon.socket,
    [
      { jsonrpc: '2.0', method: 'echo.say', params: { text: 'a' }, id: 1 },
      [
        { jsonrpc: '2.0', method: 'echo.say', params: { text: 'b' }, id: 2 },
        { jsonrpc: '2.0', method: 'daemon.status', id: 3 },
      ],
      { jsonrpc: '2.0', method: 'echo.say', params: { text: 'no newline' }, id: 4 },
    ],
    false,
  );
  t.is(answers.length, 3);
  const batch = answers.find(Array.isArray) as Array<{ id: number; result: unknown }>;
  t.deepEqual(batch.map((answer) => answer.id).sort(), [2, 3]);
  t.deepEqual(batch.find((answer) => answer.id === 2)!.result, { text: 'b' });
  const single = byId(answers.filter((answer) => !Array.isArray(answer)));
  t.deepEqual(single['1'].result, { text: 'a' });
  t.deepEqual(single['4'].result, { text: 'no newline' });
});

test('over TCP, rpc.auth and a plugin call sent together then half-closed are both answered', async (t) => {
  const daemon = await startDaemon(t, { examples: true, args: ['--tcp', '127.0.0.1:0'] });
  const [host, port] = (await daemon.call('daemon.status')).tcp.split(':');
  const token = readFileSync(join(daemon.home, 'token'), 'utf8').trim();
  const answers = byId(
    await sendThenHalfClose({ host, port: Number(port) }, [
      { jsonrpc: '2.0', method: 'rpc.auth', params: { token }, id: 'auth' },
      { jsonrpc: '2.0', method: 'echo.say', params: { text: 'over tcp' }, id: 'call' },
    ]),
  );
  t.deepEqual(answers['"auth"'].result, { authenticated: true });
  t.deepEqual(answers['"call"'].result, { text: 'over tcp' });
});

test('a client that half-closes without a word is closed', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  t.deepEqual(await sendThenHalfClose(daemon.socket, [], false), []);
});
