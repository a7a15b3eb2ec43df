// The dashboard's side of the TCP listener's HTTP: the page and its assets,
// /login (token → session cookie), /events, and the guard on JSON-RPC POSTs:
// a POST that rides on a session must also come from the dashboard's own
// origin, or it is refused (403) before anything runs. Scripts keep using
// `Authorization: Bearer <token>`, which the listener checks itself.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatAddress } from '../address.js';
import type { HttpFront } from '../rpc/http-handler.js';
import { tokensMatch } from '../token.js';
import { proveConnection } from '../rpc/connection-proof.js';
import { readAsset } from './assets.js';
import type { EventFeed } from './event-feed.js';
import { appPage, loginPage, setSecurityHeaders } from './pages.js';
import { hasSession, newSession, sessionCookie } from './session.js';

export interface DashboardOptions {
  /** Where the TCP listener listens (known once it does). */
  address: () => { host: string; port: number } | undefined;
  /** The current token; undefined while it cannot be read (then nobody gets in). */
  token: () => string | undefined;
  feed: EventFeed;
  /** The listener speaks TLS (`tcpTls`): the page's origin is https, and the cookie is Secure. */
  tls: boolean;
}

/** `http://HOST:PORT` (`https` over TLS), brackets around an IPv6 host. */
export function originOf({ host, port }: { host: string; port: number }, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${formatAddress({ host, port })}`;
}

function answer(response: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): 'answered' {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(body);
  return 'answered';
}

const html = 'text/html; charset=utf-8';

export function createDashboard(options: DashboardOptions): HttpFront {
  const port = () => options.address()?.port ?? 0;
  /** A request with a session proves its connection, which then outlives the listener's authentication deadline. */
  const signedIn = (request: IncomingMessage) => {
    const valid = hasSession(request, port(), options.token());
    if (valid) proveConnection(request.socket);
    return valid;
  };
  const bearer = (request: IncomingMessage) => {
    const header = request.headers.authorization;
    return header?.startsWith('Bearer ') === true && tokensMatch(options.token(), header.slice('Bearer '.length).trim());
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
      case '/':
        return answer(response, 200, html, signedIn(request) ? appPage : loginPage(false));
      case '/login': {
        if (!tokensMatch(options.token(), url.searchParams.get('token'))) return answer(response, 401, html, loginPage(true));
        // 303 to `/`: the token leaves the address bar and the history.
        const cookie = sessionCookie(port(), newSession(options.token()!), options.tls);
        return answer(response, 303, 'text/plain', 'logged in\n', { location: '/', 'set-cookie': cookie });
      }
      case '/events':
        if (!signedIn(request) && !bearer(request)) return answer(response, 401, 'text/plain', 'log in first: plugd dashboard prints the URL\n');
        options.feed.subscribe(response);
        return 'answered';
      default: {
        const asset = readAsset(url.pathname);
        return asset ? answer(response, 200, asset.type, asset.body) : answer(response, 404, 'text/plain', 'not found\n');
      }
    }
  }

  return {
    route(request, response) {
      setSecurityHeaders(response);
      if (request.method === 'GET') return get(request, response);
      if (request.method !== 'POST' || request.headers.authorization !== undefined || !signedIn(request)) return 'pass';
      if (!fromOwnOrigin(request)) return answer(response, 403, 'text/plain', 'refused: a dashboard request must come from the dashboard\n');
      return 'admitted';
    },
  };
}
