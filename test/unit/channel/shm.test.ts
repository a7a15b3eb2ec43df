import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { HIDE_SHM_ENV, loadShm, shmMissingReason } from '../../../core/channel/shm.js';
import type { ShmPeerJob } from '../../fixtures/channel/shm-peer.js';
import { shmTest } from '../../fixtures/channel/shm-test.js';

const peerPath = fileURLToPath(new URL('../../fixtures/channel/shm-peer.ts', import.meta.url));

/** Starts the peer with `job`; `fds` become its fds 4, 5, 6. */
function startPeer(job: ShmPeerJob, fds: number[] = [], nodeOptions: string[] = []): ChildProcess {
  const args = [...process.execArgv, ...nodeOptions, peerPath, JSON.stringify(job)];
  return spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...fds] });
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

shmTest('create maps a memfd named plugd-<name>, zeroed, of the size asked', (t, shm) => {
  const region = shm.create('test-create', 10_000);
  t.is(region.buffer.byteLength, 10_000);
  t.true(new Uint8Array(region.buffer).every((byte) => byte === 0));
  t.true(region.buffer instanceof SharedArrayBuffer);
  closeSync(region.fd);
});

shmTest('bad arguments are refused with one clear line', (t, shm) => {
  t.throws(() => shm.create('x', 0), { message: 'byteLength must be an integer from 1 to 1073741824' });
  t.throws(() => shm.create('x'.repeat(300), 64), { message: 'name must be at most 243 bytes' });
  const region = shm.create('test-small', 4096);
  t.throws(() => shm.attach(region.fd, 8192), {
    message: `fd ${region.fd} holds 4096 bytes, fewer than the 8192 asked for`,
  });
  closeSync(region.fd);
  t.throws(() => shm.attach(region.fd, 4096), { message: /^fstat of fd \d+: Bad file descriptor$/ });
});

shmTest('a child attaches the inherited memfd: both see the same pages, and /proc maps names them', async (t, shm) => {
  const region = shm.create('test-read', 4096);
  const bytes = new Uint8Array(region.buffer);
  bytes.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const child = startPeer({ role: 'read', byteLength: 4096, markerAt: 100, marker: [9, 9, 9] }, [region.fd]);
  closeSync(region.fd);
  const [report] = (await once(child, 'message')) as [{ first: number[]; maps: string[] }];
  t.deepEqual(report.first, [1, 2, 3, 4, 5, 6, 7, 8]);
  t.is(report.maps.length, 1);
  t.regex(report.maps[0], / rw-s .*\/memfd:plugd-test-read \(deleted\)$/);
  t.is(await exitCode(child), 0);
  t.deepEqual(Array.from(bytes.subarray(100, 103)), [9, 9, 9]);
});

shmTest('Atomics loads and stores are coherent across the two processes', async (t, shm) => {
  const rounds = 300;
  const region = shm.create('test-ping-pong', 64);
  const words = new Int32Array(region.buffer);
  const child = startPeer({ role: 'ping-pong', byteLength: 64, rounds }, [region.fd]);
  closeSync(region.fd);
  for (let round = 0; round < rounds; round++) {
    Atomics.store(words, 0, 2 * round + 1);
    while (Atomics.load(words, 0) !== 2 * round + 2) {
      // The child's answer: a spin, as Atomics.wait would not be woken by another process.
      if (child.exitCode !== null) t.fail(`the child exited at round ${round}`);
    }
  }
  t.is(await exitCode(child), 0);
  t.is(Atomics.load(words, 0), 2 * rounds);
});

shmTest('a ring wakes a child asleep on its doorbell, whose ref’d watch kept it alive until then', async (t, shm) => {
  const region = shm.create('test-doorbell', 64);
  const words = new Int32Array(region.buffer);
  const bells = { child: shm.doorbell(), test: shm.doorbell() };
  const child = startPeer({ role: 'doorbell', byteLength: 64 }, [region.fd, bells.child, bells.test]);
  closeSync(region.fd);
  const rungBack = new Promise<void>((resolve) => {
    const watch = shm.watch(bells.test, () => {
      watch.close();
      resolve();
    });
  });
  await once(child, 'disconnect');
  // Its IPC channel is gone: only the watch keeps the child alive now.
  await delay(200);
  t.is(child.exitCode, null);
  shm.ring(bells.child);
  await rungBack;
  t.is(Atomics.load(words, 1), 7);
  t.is(await exitCode(child), 0);
  closeSync(bells.child);
  closeSync(bells.test);
});

shmTest('an unref’d watch does not keep a process alive', async (t, shm) => {
  const bell = shm.doorbell();
  // Its doorbell is its fd 5; fd 4 (the memfd in other jobs) is unused here.
  const child = startPeer({ role: 'unref' }, [bell, bell]);
  t.is(await exitCode(child), 0);
  closeSync(bell);
});

shmTest(
  'rings that come before the watcher runs are answered by one call, and close stops the calls',
  async (t, shm) => {
    const bell = shm.doorbell();
    let calls = 0;
    let called = (): void => {};
    const nextCall = (): Promise<void> => new Promise((resolve) => (called = resolve));
    const watch = shm.watch(bell, () => {
      calls++;
      called();
    });
    t.teardown(() => watch.close());
    const first = nextCall();
    shm.ring(bell);
    shm.ring(bell);
    shm.ring(bell);
    await first;
    const second = nextCall();
    shm.ring(bell);
    await second;
    t.is(calls, 2);
    watch.close();
    watch.close();
    shm.ring(bell);
    // A new watch sees that ring; the closed one, had it still been polling, would have raced it for the read.
    await new Promise<void>((resolve) => {
      const after = shm.watch(bell, () => {
        after.close();
        resolve();
      });
    });
    t.is(calls, 2);
    closeSync(bell);
  },
);

shmTest('a garbage-collected buffer is unmapped', async (t) => {
  const child = startPeer({ role: 'gc', name: 'test-gc' }, [], ['--expose-gc']);
  const [report] = (await once(child, 'message')) as [{ mappedBefore: boolean; mappedAfter: boolean }];
  t.deepEqual(report, { mappedBefore: true, mappedAfter: false });
  t.is(await exitCode(child), 0);
});

shmTest(
  'threads that load the addon and end, a watch left open and their buffers handed out, do not crash the process',
  async (t) => {
    const child = startPeer({ role: 'threads' });
    t.is(await exitCode(child), 0);
    t.is(child.signalCode, null);
  },
);

test(`with ${HIDE_SHM_ENV}=1 the face hides the addon and says why`, (t) => {
  const saved = process.env[HIDE_SHM_ENV];
  process.env[HIDE_SHM_ENV] = '1';
  try {
    t.is(loadShm(), undefined);
    t.is(shmMissingReason(), `the shared-memory addon is hidden by ${HIDE_SHM_ENV}=1`);
  } finally {
    if (saved === undefined) delete process.env[HIDE_SHM_ENV];
    else process.env[HIDE_SHM_ENV] = saved;
  }
});
