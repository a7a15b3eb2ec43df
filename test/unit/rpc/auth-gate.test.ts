// The gate a TCP connection passes before any call: the token by rpc.auth or
// an `auth` member, a bearer header for HTTP, -32004 for anything else, and
// the connection closed after a few failures.

import test from 'ava';
import { AuthGate } from '../../../core/rpc/auth-gate.js';

const TOKEN = 'a'.repeat(64);
const UNAUTHORIZED = -32004;

/** A gate on `TOKEN` that counts how often it let a connection in. */
function gate(token: () => string | undefined = () => TOKEN) {
  const seen = { admitted: 0 };
  return { gate: new AuthGate(token, () => seen.admitted++), seen };
}

test('rpc.auth with the token, by name or by position, is answered and marks the connection authenticated', (t) => {
  for (const params of [{ token: TOKEN }, [TOKEN]]) {
    const { gate: subject, seen } = gate();
    t.deepEqual(subject.admit({ jsonrpc: '2.0', method: 'rpc.auth', params, id: 1 }), {
      pass: false,
      answer: { jsonrpc: '2.0', result: { authenticated: true }, id: 1 },
    });
    t.true(subject.authenticated);
    t.is(seen.admitted, 1);
  }
});

test('rpc.auth as a notification authenticates without an answer', (t) => {
  const { gate: subject, seen } = gate();
  t.deepEqual(subject.admit({ jsonrpc: '2.0', method: 'rpc.auth', params: { token: TOKEN } }), { pass: false });
  t.true(subject.authenticated);
  t.is(seen.admitted, 1);
});

test('an auth member with the token lets that very request through', (t) => {
  const { gate: subject, seen } = gate();
  t.deepEqual(subject.admit({ jsonrpc: '2.0', method: 'daemon.status', auth: TOKEN, id: 1 }), { pass: true });
  t.true(subject.authenticated);
  t.is(seen.admitted, 1);
});

test('a wrong token is told apart from none: "wrong token" against "authenticate first"', (t) => {
  const { gate: subject, seen } = gate();
  const wrong = subject.admit({ jsonrpc: '2.0', method: 'rpc.auth', params: { token: 'b'.repeat(64) }, id: 1 });
  t.deepEqual(wrong.answer, {
    jsonrpc: '2.0',
    error: { code: UNAUTHORIZED, message: 'unauthorized: wrong token' },
    id: 1,
  });
  t.false(wrong.pass);
  const wrongMember = subject.admit({ jsonrpc: '2.0', method: 'daemon.status', auth: 'nope', id: 2 });
  t.regex((wrongMember.answer as any).error.message, /wrong token/);
  const none = subject.admit({ jsonrpc: '2.0', method: 'daemon.status', id: 3 });
  t.deepEqual(none.answer, {
    jsonrpc: '2.0',
    error: { code: UNAUTHORIZED, message: 'unauthorized: authenticate first with rpc.auth {token}' },
    id: 3,
  });
  const noParams = subject.admit({ jsonrpc: '2.0', method: 'rpc.auth', id: 4 });
  t.regex((noParams.answer as any).error.message, /authenticate first/, 'rpc.auth without a token offers none');
  t.false(subject.authenticated);
  t.is(seen.admitted, 0);
});

test('a token that is not a string never matches, whatever it holds', (t) => {
  const { gate: subject } = gate();
  for (const token of [null, 42, [TOKEN], { token: TOKEN }, TOKEN.slice(1), `${TOKEN} `]) {
    const admission = subject.admit({ jsonrpc: '2.0', method: 'daemon.status', auth: token, id: 1 });
    t.false(admission.pass, JSON.stringify(token));
  }
  t.false(subject.authenticated);
});

test('the third failure closes the connection; the ones before keep it open', (t) => {
  const { gate: subject } = gate();
  const closes = [1, 2, 3].map((id) => subject.admit({ jsonrpc: '2.0', method: 'daemon.status', id }).close);
  t.deepEqual(closes, [false, false, true]);
});

test('a failed notification is refused without an answer but still counts', (t) => {
  const { gate: subject } = gate();
  const first = subject.admit({ jsonrpc: '2.0', method: 'daemon.status' });
  t.deepEqual(first, { pass: false, answer: undefined, close: false });
  subject.admit({ jsonrpc: '2.0', method: 'daemon.status' });
  t.true(subject.admit({ jsonrpc: '2.0', method: 'daemon.status' }).close);
});

test('a batch, or anything that is not a request, is refused; each request of a batch gets the error', (t) => {
  const { gate: subject } = gate();
  const batch = subject.admit([
    { jsonrpc: '2.0', method: 'rpc.auth', params: { token: TOKEN }, id: 1 },
    { jsonrpc: '2.0', method: 'daemon.status' },
    { jsonrpc: '2.0', method: 'daemon.status', id: 2 },
  ]);
  t.false(batch.pass);
  t.deepEqual(
    (batch.answer as any[]).map((one) => [one.id, one.error.code]),
    [
      [1, UNAUTHORIZED],
      [2, UNAUTHORIZED],
    ],
    'a batch cannot authenticate, even with rpc.auth inside',
  );
  t.is((subject.admit('rpc.auth').answer as any).id, null);
  t.is((subject.admit(null).answer as any).error.code, UNAUTHORIZED);
  t.false(subject.authenticated);
});

test('a token that cannot be read (absent file) refuses everyone, even an empty offer', (t) => {
  const { gate: subject } = gate(() => undefined);
  t.false(subject.admit({ jsonrpc: '2.0', method: 'rpc.auth', params: { token: '' }, id: 1 }).pass);
  t.false(subject.admit({ jsonrpc: '2.0', method: 'daemon.status', auth: undefined, id: 2 }).pass);
  t.false(subject.checkBearer('Bearer '));
  t.false(subject.authenticated);
});

test('the token is read at each attempt: after a rotation the old one is refused and the new one admitted', (t) => {
  let current = TOKEN;
  const { gate: subject } = gate(() => current);
  current = 'c'.repeat(64);
  t.regex(
    (subject.admit({ jsonrpc: '2.0', method: 'rpc.auth', params: [TOKEN], id: 1 }).answer as any).error.message,
    /wrong token/,
  );
  t.false(subject.checkBearer(`Bearer ${TOKEN}`));
  t.true(subject.checkBearer(`Bearer ${current}`));
  t.like(subject.admit({ jsonrpc: '2.0', method: 'rpc.auth', params: [current], id: 2 }).answer, {
    result: { authenticated: true },
  });
  t.true(subject.authenticated);
});

test('a bearer header passes only as "Bearer <token>", surrounding blanks trimmed', (t) => {
  const { gate: subject, seen } = gate();
  t.true(subject.checkBearer(`Bearer ${TOKEN}`));
  t.true(subject.checkBearer(`Bearer ${TOKEN}  `));
  for (const header of [undefined, '', TOKEN, `bearer ${TOKEN}`, `Basic ${TOKEN}`, `Bearer  x${TOKEN}`, 'Bearer']) {
    t.false(subject.checkBearer(header), String(header));
  }
  t.false(subject.authenticated, 'a bearer check admits one HTTP request, not the connection');
  t.is(seen.admitted, 0);
});
