// When the token file is a warning at start (core/trust/token.ts tokenFileRisk):
// someone else's, writable by others, or readable beyond the daemon's need.

import test from 'ava';
import { tokenFileRisk } from '../../../core/trust/token.js';

const DAEMON = 10042;
const risk = (uid: number, mode: number) => tokenFileRisk('/home/token', { uid, mode: 0o100000 | mode }, DAEMON);

test("the daemon's own 0600 or 0400 file is fine", (t) => {
  t.is(risk(DAEMON, 0o600), undefined);
  t.is(risk(DAEMON, 0o400), undefined);
});

test('a root-owned read-only Secret its group may read (Kubernetes, 0440 with fsGroup) is fine for a non-root daemon', (t) => {
  t.is(risk(0, 0o440), undefined);
  t.is(risk(0, 0o400), undefined);
});

test("readable by everyone, or by a group on the daemon's own file, is a warning to chmod 600", (t) => {
  t.regex(risk(DAEMON, 0o644)!, /readable by other users \(mode 644\): chmod 600/);
  t.regex(risk(DAEMON, 0o640)!, /readable by other users/);
  t.regex(risk(0, 0o444)!, /readable by other users/);
});

test('writable by a group or others is a warning, whoever owns it', (t) => {
  t.regex(risk(0, 0o460)!, /writable by other users \(mode 460\): chmod go-w/);
  t.regex(risk(DAEMON, 0o602)!, /writable by other users/);
});

test("another non-root user's token is a warning naming the owner", (t) => {
  t.is(risk(1000, 0o400), 'the token file /home/token is owned by uid 1000, not by this user (uid 10042) or root');
});
