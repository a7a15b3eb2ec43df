// Shared workers by name (core/host/shared-workers.ts): a plugin joins the
// newest worker of its name, a reloading member starts a new one that the
// others follow, and members must agree on where and how they run.

import test from 'ava';
import type { WorkerLogSink } from '../../../core/host/plugin-worker.js';
import { checkSharedSlot, SharedWorkers } from '../../../core/host/shared-workers.js';
import type { WorkerSlot } from '../../../core/host/worker-backend.js';
import { sharedSlot as slot } from '../../fixtures/host/shared-slot.js';
import { FakeBackend } from '../../helpers/fake-backend.js';

test('a reloading member gets a new worker; the others are then behind it', (t) => {
  const booted: FakeBackend[] = [];
  const sink: WorkerLogSink = { line: () => undefined, output: () => undefined };
  const workers = new SharedWorkers(() => {
    booted.push(new FakeBackend());
    return booted.at(-1)!;
  }, sink);
  workers.take('a', 'light', slot);
  workers.take('b', 'light', slot);
  t.is(booted.length, 1, 'one worker for both');
  t.false(workers.behind('b', 'light'));
  workers.take('a', 'light', slot);
  t.is(booted.length, 2, "a's new version starts a new worker");
  t.true(workers.behind('b', 'light'));
  t.false(workers.behind('a', 'light'));
  workers.take('b', 'light', slot);
  t.is(booted.length, 2, 'b follows a there');
});

test('members must agree on where and how they run; the error names both', (t) => {
  const slots = new Map<string, WorkerSlot>([['a', slot]]);
  const inProcess: WorkerSlot = {
    ...slot,
    isolation: 'process',
    channel: 'pipe',
    process: { plugin: 'b', cwd: '/', env: {} },
  };
  t.notThrows(() => checkSharedSlot(slots, 'b', slot));
  t.notThrows(() => checkSharedSlot(slots, 'b', { ...inProcess, sharedWorker: 'other' }));
  const mixed = t.throws(() => checkSharedSlot(slots, 'b', inProcess));
  t.regex(
    mixed.message,
    /^plugin b failed to load: it cannot share worker "light" with a: b runs in a process and a in a thread/,
  );
  const limits = t.throws(() =>
    checkSharedSlot(slots, 'b', { ...slot, resourceLimits: { maxOldGenerationSizeMb: 64 } }),
  );
  t.regex(limits.message, /their resourceLimits differ/);
  const exec = { argv: ['./b'], entry: '/b', maxLineBytes: 1024 };
  t.throws(() => checkSharedSlot(slots, 'b', { ...inProcess, exec }), { message: /stdio plugin/ });
});
