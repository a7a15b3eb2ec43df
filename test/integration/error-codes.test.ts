// The errors a library user meets, told apart by code (README, "Error codes"):
// a home another plugd serves, a socket another process answers on, a
// plugd.json that is not JSON, a daemon asked for its status before start(),
// and a start that fails half-way closing what it had started.

import test from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  createDaemon,
  hasCode,
  PlugdErrorCode,
  type AlreadyRunningError,
  type ConfigError,
  type NotStartedError,
  type SocketInUseError,
} from '../../core/index.js';
import { makeHome, startDaemon } from '../helpers/daemon.js';

/** What a caller does with a failed start: branch on the code, never on the message. */
function verdict(error: unknown): string {
  if (hasCode(error, PlugdErrorCode.ALREADY_RUNNING)) return 'another plugd serves this home';
  if (hasCode(error, PlugdErrorCode.SOCKET_IN_USE)) return 'something else holds the socket';
  return 'other';
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
}

test('a createDaemon user tells AlreadyRunning from SocketInUse by code', async (t) => {
  const first = await startDaemon(t);
  const second = createDaemon({ home: first.home });
  t.teardown(() => second.stop());
  const running = await t.throwsAsync<AlreadyRunningError>(second.start());
  t.is(running.code, PlugdErrorCode.ALREADY_RUNNING);
  t.is(running.pid, first.pid);
  t.is(second.state, 'stopped');
  await second.stopped;
  t.is((await first.call<{ pid: number }>('daemon.status')).pid, first.pid, 'the first daemon serves on');

  const { home, socket, pidfile } = makeHome(t);
  const stranger = createServer((connection) => connection.end());
  await listen(stranger, socket);
  t.teardown(() => new Promise<void>((resolve) => stranger.close(() => resolve())));
  const third = createDaemon({ home });
  t.teardown(() => third.stop());
  const inUse = await t.throwsAsync<SocketInUseError>(third.start());
  t.is(inUse.code, PlugdErrorCode.SOCKET_IN_USE);
  t.is(inUse.path, socket);
  t.true(existsSync(socket), "the stranger's socket is left alone");
  t.false(existsSync(pidfile), 'the failed start took its pidfile back');

  t.deepEqual(
    [verdict(running), verdict(inUse)],
    ['another plugd serves this home', 'something else holds the socket'],
  );
});

test('a plugd.json that is not JSON: PLUGD_ERR_CONFIG, the parse error kept as its cause', async (t) => {
  const { home } = makeHome(t);
  writeFileSync(join(home, 'plugd.json'), '{ "watch": tru');
  const daemon = createDaemon({ home });
  t.teardown(() => daemon.stop());
  const error = await t.throwsAsync<ConfigError>(daemon.start());
  t.is(error.code, PlugdErrorCode.CONFIG);
  t.true(error.cause instanceof SyntaxError);
  t.regex(error.message, /plugd\.json: not valid JSON/);
});

test('before start(): status() and metrics() say not started, by code; stop() is safe, twice', async (t) => {
  const daemon = createDaemon();
  t.is(daemon.state, 'new');
  for (const read of [() => daemon.status(), () => daemon.metrics()]) {
    const error = t.throws<NotStartedError>(read);
    t.is(error.code, PlugdErrorCode.NOT_STARTED);
  }
  await daemon.stop();
  await daemon.stop();
  t.is(daemon.state, 'stopped');
  await daemon.stopped;
});

test('a start that fails at its TCP listener closes what had started: the socket and pidfile are free for the next', async (t) => {
  const { home, socket, pidfile } = makeHome(t);
  const refused = createDaemon({ home, tcp: '0.0.0.0:0' });
  t.teardown(() => refused.stop());
  const error = await t.throwsAsync<ConfigError>(refused.start());
  t.is(error.code, PlugdErrorCode.CONFIG);
  t.regex(error.message, /not a loopback address/);
  t.false(existsSync(socket), 'the unix socket bound before the TCP listener failed is closed and removed');
  t.false(existsSync(pidfile));
  // Were the unix listener still open, this start would meet it (SocketInUse).
  const next = createDaemon({ home });
  t.teardown(() => next.stop());
  await next.start();
  t.is(next.state, 'running');
  t.is(next.status().socket, socket);
  await next.stop();
  t.is(next.state, 'stopped');
  t.false(existsSync(socket));
});
