// The dashboard's HTML (one small document, no inline script) and the
// headers every answer of the TCP listener carries.

import type { ServerResponse } from 'node:http';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('content-security-policy', CSP);
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('referrer-policy', 'no-referrer');
}

const head = (title: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,"><title>${title}</title><link rel="stylesheet" href="/app.css"></head>`;

/** The page itself: the script draws everything, the login form included. */
export const appPage = `${head('plugd')}<body><div id="app"></div><script type="module" src="/app.js"></script></body></html>\n`;
