// Dashboard sessions without a daemon: secrets traded for the token, the idle
// expiry and its refresh by use, Log out, the cap on sessions (oldest evicted),
// and every session and stream ended when the token is rotated.

import test from 'ava';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { DashboardSessions } from '../../../core/dashboard/session.js';
import { SESSION_HEADER } from '../../../core/contract/dashboard.js';
import { until } from '../../helpers/until.js';

const HOUR = 3_600_000;
/** The cap in session.ts. */
const MAX_SESSIONS = 1000;

const request = (secret?: unknown) =>
  ({ headers: secret === undefined ? {} : { [SESSION_HEADER]: secret } }) as IncomingMessage;

/** An /events stream that notes when the sessions end it. */
class Stream extends EventEmitter {
  ended = false;

  end(): this {
    this.ended = true;
    return this;
  }
}

function follow(sessions: DashboardSessions, secret?: string): Stream {
  const stream = new Stream();
  sessions.follow(request(secret), stream as unknown as ServerResponse);
  return stream;
}

/** Sessions under a token the test may rotate. */
function sessions(idleMs = HOUR) {
  const token = { current: 'a'.repeat(64) as string | undefined };
  return { sessions: new DashboardSessions(() => token.current, idleMs), token };
}

test('a session is a fresh random secret; only its own header value opens it', (t) => {
  const { sessions: subject } = sessions();
  const secret = subject.open();
  const other = subject.open();
  t.regex(secret, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  t.not(secret, other);
  t.true(subject.use(request(secret)));
  t.true(subject.use(request(other)));
  for (const wrong of [undefined, '', secret.slice(1), `${secret} `, [secret], secret.toUpperCase()]) {
    t.false(subject.use(request(wrong)), JSON.stringify(wrong));
  }
});

test('Log out ends the session and its streams, once; a request without a live session logs nothing out', (t) => {
  const { sessions: subject } = sessions();
  const secret = subject.open();
  const kept = subject.open();
  const stream = follow(subject, secret);
  const keptStream = follow(subject, kept);
  t.true(subject.logOut(request(secret)));
  t.true(stream.ended);
  t.false(subject.use(request(secret)));
  t.false(subject.logOut(request(secret)), 'already out');
  t.false(subject.logOut(request()));
  t.false(subject.logOut(request([kept])));
  t.false(keptStream.ended);
  t.true(subject.use(request(kept)));
});

test('a stream that closes is no longer ended with its session', (t) => {
  const { sessions: subject } = sessions();
  const secret = subject.open();
  const stream = follow(subject, secret);
  stream.emit('close');
  subject.logOut(request(secret));
  t.false(stream.ended);
});

test(`at most ${MAX_SESSIONS} sessions: a new one ends the oldest, with its streams`, (t) => {
  const { sessions: subject } = sessions();
  const secrets = Array.from({ length: MAX_SESSIONS }, () => subject.open());
  const oldestStream = follow(subject, secrets[0]);
  t.true(subject.use(request(secrets[0])), 'the cap itself is allowed');
  const newest = subject.open();
  t.false(subject.use(request(secrets[0])));
  t.true(oldestStream.ended);
  t.true(subject.use(request(secrets[1])));
  t.true(subject.use(request(newest)));
  subject.open();
  t.false(subject.use(request(secrets[1])), 'oldest by opening, not by use');
});

test('an idle session ends after dashboard.sessionIdleMs, and its streams with it', async (t) => {
  const { sessions: subject } = sessions(50);
  const secret = subject.open();
  const stream = follow(subject, secret);
  await until(
    async () => stream.ended,
    (ended) => ended,
  );
  t.false(subject.use(request(secret)));
});

test('using a session restarts its idle period', async (t) => {
  // Decided by measured time, never by a sleep's length: a round where the
  // machine stalled too long to tell is run again.
  const idleMs = 1000;
  for (let round = 0; round < 5; round++) {
    const { sessions: subject } = sessions(idleMs);
    const openedAt = performance.now();
    const secret = subject.open();
    await delay(idleMs * 0.55);
    const usedAt = performance.now();
    if (usedAt - openedAt > idleMs * 0.9) continue;
    t.true(subject.use(request(secret)));
    await delay(idleMs * 0.6);
    const checkedAt = performance.now();
    if (checkedAt - usedAt > idleMs * 0.9) continue;
    t.true(checkedAt - openedAt > idleMs, 'past the idle period counted from the opening');
    t.true(subject.use(request(secret)), 'alive: the use restarted its period');
    return;
  }
  t.fail('the machine stalled in every round; nothing could be decided');
});

test('a rotated token ends every session and every stream, Bearer ones too, at the next request', (t) => {
  const { sessions: subject, token } = sessions();
  const one = subject.open();
  const two = subject.open();
  const streams = [follow(subject, one), follow(subject, two), follow(subject)];
  token.current = 'b'.repeat(64);
  t.false(subject.use(request(one)));
  t.true(streams.every((stream) => stream.ended));
  t.false(subject.use(request(two)));
  const fresh = subject.open();
  t.true(subject.use(request(fresh)), 'a session opened under the new token lives');
});

test('a rotation ends open streams without waiting for a request', async (t) => {
  const { sessions: subject, token } = sessions();
  const secret = subject.open();
  const stream = follow(subject, secret);
  const bearer = follow(subject);
  token.current = undefined;
  await until(
    async () => stream.ended && bearer.ended,
    (ended) => ended,
  );
  t.false(subject.use(request(secret)));
});
