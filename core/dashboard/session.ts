// Dashboard sessions, the Jupyter way: the token, checked once at /login,
// buys a cookie. The cookie holds a random id and its HMAC under the current
// token, never the token itself: it needs no store, outlives a daemon restart
// (the page reconnects), and every session ends when the token is rotated.

import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { tokensMatch } from '../token.js';

const sign = (token: string, id: string) => createHmac('sha256', token).update(`plugd-session:${id}`).digest('base64url');

/** One cookie name per port: two daemons on one host (cookies ignore ports) keep their sessions apart. */
export const cookieName = (port: number) => `plugd_session_${port}`;

export function newSession(token: string): string {
  const id = randomBytes(18).toString('base64url');
  return `${id}.${sign(token, id)}`;
}

/** The `Set-Cookie` value that hands a new session to the browser. */
export function sessionCookie(port: number, session: string, secure: boolean): string {
  return `${cookieName(port)}=${session}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

function cookieValue(request: IncomingMessage, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = pair.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** Whether the request carries a session made under the current token. */
export function hasSession(request: IncomingMessage, port: number, token: string | undefined): boolean {
  if (token === undefined) return false;
  const [id, mac] = (cookieValue(request, cookieName(port)) ?? '').split('.');
  return Boolean(id && mac) && tokensMatch(sign(token, id), mac);
}
