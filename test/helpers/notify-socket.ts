// A stand-in for systemd's notification socket: a unix datagram socket (Node
// has none, so a tiny python3 listener) whose datagrams the test reads as
// lists of NAME=VALUE fields. Stopped by the test's teardown.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { killOnExit } from './daemon.js';
import { until } from './until.js';

const LISTENER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data, _ = s.recvfrom(65536)
    print(json.dumps(data.decode()), flush=True)
`;

export interface NotifySocket {
  path: string;
  /** Every datagram so far, each split into its lines. */
  messages: string[][];
  /** Waits until a datagram has a line that `accept`s, and returns that datagram. */
  waitFor(accept: (line: string) => boolean): Promise<string[]>;
}

export async function listenForNotifications(t: ExecutionContext, folder: string): Promise<NotifySocket> {
  const path = join(folder, 'notify.sock');
  const child = spawn('python3', ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  t.teardown(kill);
  killOnExit(kill);
  const messages: string[][] = [];
  let bound = false;
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === 'bound') bound = true;
      else messages.push((JSON.parse(line) as string).split('\n'));
    }
  });
  await until(async () => bound, Boolean);
  return {
    path,
    messages,
    waitFor: (accept) =>
      until(async () => messages.find((message) => message.some(accept)), Boolean) as Promise<string[]>,
  };
}
