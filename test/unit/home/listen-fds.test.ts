import test from 'ava';
import { listenerEnvironment, takeInheritedListeners } from '../../../core/home/listen-fds.js';

test('sockets passed to this pid, by name from fd 3; the variables are taken out of the environment', (t) => {
  const env: NodeJS.ProcessEnv = {
    LISTEN_FDS: '2',
    LISTEN_PID: String(process.pid),
    LISTEN_FDNAMES: 'tcp:unix',
    OTHER: 'kept',
  };
  t.deepEqual(takeInheritedListeners(env), { tcp: 3, unix: 4 });
  t.deepEqual(env, { OTHER: 'kept' });
});

test('unnamed, or named as systemd names them by default (the unit), sockets go by position: unix, tcp, metrics', (t) => {
  t.deepEqual(takeInheritedListeners({ LISTEN_FDS: '1', LISTEN_PID: String(process.pid) }), { unix: 3 });
  t.deepEqual(
    takeInheritedListeners({
      LISTEN_FDS: '3',
      LISTEN_PID: String(process.pid),
      LISTEN_FDNAMES: 'plugd.socket:plugd.socket:metrics',
    }),
    {
      unix: 3,
      tcp: 4,
      metrics: 5,
    },
  );
});

test('sockets meant for another pid are not ours (but the variables still go); an upgrade trusts its predecessor without a pid', (t) => {
  const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: String(process.pid + 1) };
  t.is(takeInheritedListeners(env), undefined);
  t.deepEqual(env, {});
  t.is(takeInheritedListeners({}), undefined);
  t.deepEqual(takeInheritedListeners({ ...listenerEnvironment(['unix', 'metrics']) }, true), { unix: 3, metrics: 4 });
});
