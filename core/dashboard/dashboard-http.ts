// The dashboard's side of the TCP listener's HTTP: the page and its assets,
// POST /login (token → session, session.ts) and /logout, /events, and the
// guard on JSON-RPC POSTs: a POST that rides on a session must also come from
// the dashboard's own origin, or it is refused (403) before anything runs.
// Scripts keep using `Authorization: Bearer <token>`, which the listener
// checks itself.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatAddress } from '../contract/address.js';
import type { HttpFront } from '../rpc/http-handler.js';
import { tokensMatch } from '../trust/token.js';
import { proveConnection } from '../rpc/connection-proof.js';
import { readAsset } from './assets.js';
import type { EventFeed } from './event-feed.js';
import { appPage, setSecurityHeaders } from './pages.js';
import { DashboardSessions } from './session.js';

export interface DashboardOptions {
  /** Where the TCP listener listens (known once it does). */
  address: () => { host: string; port: number } | undefined;
  /** The current token; undefined while it cannot be read (then nobody gets in). */
  token: () => string | undefined;
  feed: EventFeed;
  /** The listener speaks TLS (`tcpTls`): the page's origin is https. */
  tls: boolean;
  /** `dashboard.sessionIdleMs`: a session unused this long ends. */
  sessionIdleMs: number;
}

/** `http://HOST:PORT` (`https` over TLS), brackets around an IPv6 host. */
export function originOf({ host, port }: { host: string; port: number }, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${formatAddress({ host, port })}`;
}

function answer(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): 'answered' {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(body);
  return 'answered';
}

const html = 'text/html; charset=utf-8';

export function createDashboard(options: DashboardOptions): HttpFront {
  const sessions = new DashboardSessions(options.token, options.sessionIdleMs);
  /** A request with a session proves its connection, which then outlives the listener's authentication deadline. */
  const signedIn = (request: IncomingMessage) => {
    const valid = sessions.use(request);
    if (valid) proveConnection(request.socket);
    return valid;
  };
  const bearer = (request: IncomingMessage) => {
    const header = request.headers.authorization;
    return (
      header?.startsWith('Bearer ') === true && tokensMatch(options.token(), header.slice('Bearer '.length).trim())
    );
  };

  /** The page's own requests: Origin names the listener, or (without Origin) the browser says same-origin. */
  const fromOwnOrigin = (request: IncomingMessage) => {
    const address = options.address();
    const origin = request.headers.origin;
    if (origin !== undefined) return address !== undefined && origin === originOf(address, options.tls);
    return request.headers['sec-fetch-site'] === 'same-origin';
  };

  function get(request: IncomingMessage, response: ServerResponse): 'answered' {
    const url = new URL(request.url ?? '/', 'http://plugd');
    switch (url.pathname) {
      // The page logs itself in, from the fragment of `plugd dashboard`'s URL (`/login#token=...`) or its form.
      case '/':
      case '/login':
        if (url.searchParams.has('token'))
          return answer(
            response,
            400,
            'text/plain',
            'the token goes after #, never in the query: plugd dashboard prints the URL\n',
          );
        return answer(response, 200, html, appPage);
      case '/events':
        if (!signedIn(request) && !bearer(request))
          return answer(response, 401, 'text/plain', 'log in first: plugd dashboard prints the URL\n');
        options.feed.subscribe(response);
        sessions.follow(request, response);
        return 'answered';
      default: {
        const asset = readAsset(url.pathname);
        return asset
          ? answer(response, 200, asset.type, asset.body)
          : answer(response, 404, 'text/plain', 'not found\n');
      }
    }
  }

  /** `POST /login` with `Authorization: Bearer <token>` answers `{session}`; `POST /logout` with the session ends it. */
  function post(request: IncomingMessage, response: ServerResponse, path: '/login' | '/logout'): 'answered' {
    if (!fromOwnOrigin(request)) return refusedOrigin(response);
    if (path === '/logout') return answer(response, sessions.logOut(request) ? 204 : 401, 'text/plain', '');
    if (!bearer(request))
      return answer(response, 401, 'application/json', JSON.stringify({ error: 'that token is wrong' }));
    return answer(response, 200, 'application/json', JSON.stringify({ session: sessions.open() }));
  }

  const refusedOrigin = (response: ServerResponse) =>
    answer(response, 403, 'text/plain', 'refused: a dashboard request must come from the dashboard\n');

  return {
    route(request, response) {
      setSecurityHeaders(response);
      if (request.method === 'GET') return get(request, response);
      const path = request.url?.split('?')[0];
      if (request.method === 'POST' && (path === '/login' || path === '/logout')) return post(request, response, path);
      if (request.method !== 'POST' || request.headers.authorization !== undefined || !signedIn(request)) return 'pass';
      if (!fromOwnOrigin(request)) return refusedOrigin(response);
      return 'admitted';
    },
  };
}
