// The page's side of a dashboard session (core/dashboard/session.ts): the
// token, from the login URL's fragment or the form, is traded once for a
// secret that this tab keeps in sessionStorage and sends in a header with
// every request. No cookie: another local service could receive that.

import { SESSION_HEADER } from '../core/contract/dashboard.js';

const KEY = 'plugd-session';

export const hasSession = () => sessionStorage.getItem(KEY) !== null;

/** The headers that carry the session, if there is one. */
export function sessionHeaders(): Record<string, string> {
  const secret = sessionStorage.getItem(KEY);
  return secret === null ? {} : { [SESSION_HEADER]: secret };
}

/** The token in the address's fragment (`/login#token=...`), taken out of the address bar and its history entry at once. */
export function takeTokenFromAddress(): string | undefined {
  const match = /^#token=([^&]*)/.exec(location.hash);
  if (!match) return undefined;
  history.replaceState(null, '', '/');
  return decodeURIComponent(match[1]);
}

/** Trades `token` for a session; false when the daemon refuses the token. */
export async function logIn(token: string): Promise<boolean> {
  const response = await fetch('/login', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) return false;
  sessionStorage.setItem(KEY, ((await response.json()) as { session: string }).session);
  return true;
}

/** Ends the session on the daemon too, then shows the login form. */
export async function logOut(): Promise<void> {
  await fetch('/logout', { method: 'POST', headers: sessionHeaders() }).catch(() => undefined);
  sessionEnded();
}

/** The daemon no longer knows the session (idle, logged out elsewhere, token rotated): the login form again. */
export function sessionEnded(): void {
  sessionStorage.removeItem(KEY);
  location.reload();
}
