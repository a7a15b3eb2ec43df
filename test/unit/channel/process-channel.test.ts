import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  attachProcessChannel,
  prepareProcessChannel,
  processChannelKind,
  type ProcessChannelOptions,
} from '../../../core/channel/process-channel.js';
import type { CallMessage, ResultMessage } from '../../../core/channel/protocol.js';
import { HIDE_SHM_ENV, loadShm, shmMissingReason } from '../../../core/channel/shm.js';
import type { ProcessChannelKind } from '../../../core/channel/transport.js';
import { collect, send } from '../../fixtures/channel/echo-client.js';
import { closeAndJoin, echoContract, type EchoPeer } from '../../fixtures/channel/echo-contract.js';
import { shmTest } from '../../fixtures/channel/shm-test.js';

const echoPath = fileURLToPath(new URL('../../fixtures/channel/echo-process.ts', import.meta.url));

function startEcho(
  kind: ProcessChannelKind,
  options: Partial<ProcessChannelOptions> = {},
): EchoPeer & { child: ChildProcess } {
  const prepared = prepareProcessChannel<ResultMessage, CallMessage>(kind, { name: 'test-echo', ...options });
  // The pipe's child runs with the addon hidden, as a process plugin would where it is not built.
  const env = kind === 'pipe' ? { ...process.env, [HIDE_SHM_ENV]: '1' } : process.env;
  const child = spawn(process.execPath, [...process.execArgv, echoPath, JSON.stringify(prepared.spec)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...prepared.stdio],
    env,
  });
  const exit = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    transport: prepared.connect(child),
    exited: async () => (await exit)[0],
    kill: async () => {
      child.kill('SIGKILL');
      await exit;
    },
  };
}

echoContract('shm', (ringBytes) => startEcho('shm', { ringBytes }), loadShm() ? undefined : shmMissingReason());
echoContract('pipe', () => startEcho('pipe'));

shmTest('shm: both processes map the memfd plugd-<name>', async (t) => {
  const peer = startEcho('shm', { name: 'test-maps' });
  const echoed = collect(peer.transport, 1);
  send(peer.transport, { id: 0 });
  await echoed;
  const memfdLines = (pid: number | string): string[] =>
    readFileSync(`/proc/${pid}/maps`, 'utf8')
      .split('\n')
      .filter((line) => line.includes('/memfd:plugd-test-maps '));
  t.is(memfdLines('self').length, 1);
  t.is(memfdLines(peer.child.pid!).length, 1);
  t.is(await closeAndJoin(peer), 0);
});

test(`with ${HIDE_SHM_ENV}=1 process channels fall back to the pipe, and shm says why it cannot open`, (t) => {
  const saved = process.env[HIDE_SHM_ENV];
  process.env[HIDE_SHM_ENV] = '1';
  try {
    t.is(processChannelKind(), 'pipe');
    const expected = `cannot open a shared-memory channel: the shared-memory addon is hidden by ${HIDE_SHM_ENV}=1`;
    t.throws(() => prepareProcessChannel('shm', { name: 'hidden' }), { message: expected });
    const spec = { kind: 'shm', ringBytes: 64, memoryFd: 4, coreBellFd: 5, workerBellFd: 6 } as const;
    t.throws(() => attachProcessChannel(spec), { message: expected });
  } finally {
    if (saved === undefined) delete process.env[HIDE_SHM_ENV];
    else process.env[HIDE_SHM_ENV] = saved;
  }
});
