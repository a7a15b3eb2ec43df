// core/daemon/lifecycle.ts: parts start in order and close in reverse, once each;
// close() is idempotent; a close that throws is reported and the others run;
// a part that fails to start leaves the caller to close those that started.

import test from 'ava';
import { Lifecycle } from '../../../core/daemon/lifecycle.js';
import { ClosedError, PlugdErrorCode } from '../../../core/contract/errors.js';

function recorder() {
  const events: string[] = [];
  const failures: string[] = [];
  const parts = new Lifecycle<number>((part, error) => failures.push(`${part}: ${(error as Error).message}`));
  const add = (name: string) =>
    parts.start(
      name,
      () => {
        events.push(`start ${name}`);
        return name.toUpperCase();
      },
      (started, drainMs) => void events.push(`close ${name} (${started}, ${drainMs})`),
    );
  return { events, failures, parts, add };
}

test('parts start in order and close in reverse, each given what it started and the close context', async (t) => {
  const { events, parts, add } = recorder();
  t.is(await add('log'), 'LOG');
  await add('pidfile');
  await add('listeners');
  t.deepEqual(parts.parts, ['log', 'pidfile', 'listeners']);
  await parts.close(250);
  t.deepEqual(events, [
    'start log',
    'start pidfile',
    'start listeners',
    'close listeners (LISTENERS, 250)',
    'close pidfile (PIDFILE, 250)',
    'close log (LOG, 250)',
  ]);
  t.deepEqual(parts.parts, []);
});

test('onClose registers a close where it stands among the started parts', async (t) => {
  const { events, parts, add } = recorder();
  await add('plugins');
  parts.onClose('shutdown hook', () => void events.push('close shutdown hook'));
  await add('listeners');
  await parts.close(0);
  t.deepEqual(events.slice(2), ['close listeners (LISTENERS, 0)', 'close shutdown hook', 'close plugins (PLUGINS, 0)']);
});

test('close() twice runs each close once, and both calls wait for the same end', async (t) => {
  const { events, parts, add } = recorder();
  await add('a');
  let finish!: () => void;
  parts.onClose('slow', () => new Promise<void>((resolve) => (finish = resolve)));
  const first = parts.close(1);
  const second = parts.close(2);
  t.is(first, second);
  t.true(parts.closed);
  finish();
  await Promise.all([first, second]);
  await parts.close(3);
  t.deepEqual(
    events.filter((event) => event.startsWith('close')),
    ['close a (A, 1)'],
  );
});

test('a close that throws (or rejects) is reported and does not stop the others', async (t) => {
  const { events, failures, parts, add } = recorder();
  await add('first');
  parts.onClose('throws', () => {
    throw new Error('sync failure');
  });
  parts.onClose('rejects', () => Promise.reject(new Error('async failure')));
  await add('last');
  await t.notThrowsAsync(parts.close(0));
  t.deepEqual(
    events.filter((event) => event.startsWith('close')),
    ['close last (LAST, 0)', 'close first (FIRST, 0)'],
  );
  t.deepEqual(failures, ['rejects: async failure', 'throws: sync failure']);
});

test('a part that fails to start is not registered; closing then undoes what did start', async (t) => {
  const { events, parts, add } = recorder();
  await add('log');
  await add('pidfile');
  const cause = new Error('socket in use');
  const error = await t.throwsAsync(
    parts.start(
      'listeners',
      () => Promise.reject(cause),
      () => void events.push('close listeners'),
    ),
  );
  t.is(error, cause, 'the start error is thrown as it is');
  t.deepEqual(parts.parts, ['log', 'pidfile']);
  await parts.close(0);
  t.deepEqual(
    events.filter((event) => event.startsWith('close')),
    ['close pidfile (PIDFILE, 0)', 'close log (LOG, 0)'],
  );
});

test('nothing starts once closing; a part that finishes starting meanwhile is closed at once', async (t) => {
  const { events, parts, add } = recorder();
  await add('log');
  let started!: () => void;
  const slow = parts.start(
    'plugins',
    () => new Promise<void>((resolve) => (started = resolve)),
    () => void events.push('close plugins'),
  );
  await parts.close(0);
  started();
  const late = await t.throwsAsync(slow, { instanceOf: ClosedError });
  t.is(late.code, PlugdErrorCode.CLOSED);
  const refused = await t.throwsAsync(add('listeners'), { instanceOf: ClosedError });
  t.regex(refused.message, /listeners/);
  // The late part's close runs once the closes under way have finished.
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(
    events.filter((event) => event.startsWith('close')),
    ['close log (LOG, 0)', 'close plugins'],
  );
  t.false(events.includes('start listeners'));
});
