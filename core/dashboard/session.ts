// Dashboard sessions. The page trades the token (from the login URL's
// fragment, which no server and no history keeps) for a random secret that it
// keeps in the tab's sessionStorage and sends in the `x-plugd-session` header,
// never in a cookie: browsers send cookies to every port of a host, so any
// other local service the browser visits would receive one, and could replay
// it. Sessions live in the daemon's memory, and end when idle for
// `dashboard.sessionIdleMs`, at Log out, when the daemon stops, and all of
// them, with every open /events stream, when the token is rotated.

import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SESSION_HEADER } from '../contract/dashboard.js';

/** Sessions kept at most: a script that logs in in a loop ends the oldest, never grows the daemon. */
const MAX_SESSIONS = 1000;

/** How often the token file is looked at while anything could need ending (a stat each time). */
const ROTATION_CHECK_MS = 1000;

interface Session {
  idle: NodeJS.Timeout;
  streams: Set<ServerResponse>;
}

/** The map's key: a hash of the secret, so that no lookup compares secrets byte by byte. */
const keyOf = (secret: string) => createHash('sha256').update(secret).digest('base64url');

export class DashboardSessions {
  private readonly sessions = new Map<string, Session>();
  /** Streams opened with `Authorization: Bearer`: they end with the token too. */
  private readonly bearerStreams = new Set<ServerResponse>();
  /** The token the sessions and streams were opened under. */
  private token: string | undefined;
  private rotationCheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly currentToken: () => string | undefined,
    private readonly idleMs: number,
  ) {}

  /** A new session under the current token; returns its secret. */
  open(): string {
    this.endAllIfRotated();
    this.token = this.currentToken();
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size < MAX_SESSIONS) break;
      this.end(oldest);
    }
    const secret = randomBytes(32).toString('base64url');
    const key = keyOf(secret);
    const idle = setTimeout(() => this.end(key), this.idleMs).unref();
    this.sessions.set(key, { idle, streams: new Set() });
    this.watchRotation();
    return secret;
  }

  /** Whether the request carries a live session; using it restarts its idle period. */
  use(request: IncomingMessage): boolean {
    this.endAllIfRotated();
    const session = this.sessionOf(request);
    session?.idle.refresh();
    return session !== undefined;
  }

  /** Log out: ends the request's session and its streams. */
  logOut(request: IncomingMessage): boolean {
    const secret = request.headers[SESSION_HEADER];
    return typeof secret === 'string' && this.end(keyOf(secret));
  }

  /** Ties an /events stream to the request's session (or to the token, for a Bearer request), to end with it. */
  follow(request: IncomingMessage, stream: ServerResponse): void {
    const streams = this.sessionOf(request)?.streams ?? this.bearerStreams;
    this.token ??= this.currentToken();
    streams.add(stream);
    stream.on('close', () => {
      streams.delete(stream);
      this.stopWatchingIfIdle();
    });
    this.watchRotation();
  }

  private sessionOf(request: IncomingMessage): Session | undefined {
    const secret = request.headers[SESSION_HEADER];
    return typeof secret === 'string' ? this.sessions.get(keyOf(secret)) : undefined;
  }

  private end(key: string): boolean {
    const session = this.sessions.get(key);
    if (!session) return false;
    this.sessions.delete(key);
    clearTimeout(session.idle);
    for (const stream of session.streams) stream.end();
    this.stopWatchingIfIdle();
    return true;
  }

  private endAllIfRotated(): void {
    if (this.token === undefined || this.currentToken() === this.token) return;
    this.token = undefined;
    for (const key of [...this.sessions.keys()]) this.end(key);
    for (const stream of this.bearerStreams) stream.end();
    this.bearerStreams.clear();
    this.stopWatchingIfIdle();
  }

  /** A rotation must end open streams at once, not at the next request: the token is watched while any is open. */
  private watchRotation(): void {
    this.rotationCheck ??= setInterval(() => this.endAllIfRotated(), ROTATION_CHECK_MS).unref();
  }

  private stopWatchingIfIdle(): void {
    if (this.sessions.size > 0 || this.bearerStreams.size > 0) return;
    clearInterval(this.rotationCheck);
    this.rotationCheck = undefined;
  }
}
