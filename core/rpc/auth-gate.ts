// What a TCP connection must pass before any call: the token, offered with
// `rpc.auth {token}` or as an `auth` member of the first request. Anything
// else answers -32004, and a few failures close the connection.

import { ErrorCode, errorAnswers } from './errors.js';
import type { JsonRpcResponse } from './dispatcher.js';
import { isNotification } from './json-rpc.js';
import { tokensMatch } from '../trust/token.js';

const MAX_FAILURES = 3;
const NO_TOKEN = 'unauthorized: authenticate first with rpc.auth {token}';
const WRONG_TOKEN = 'unauthorized: wrong token';

export interface Admission {
  /** Dispatch the message. */
  pass: boolean;
  answer?: JsonRpcResponse | JsonRpcResponse[];
  close?: boolean;
}

export class AuthGate {
  authenticated = false;
  private failures = 0;

  /** `token` gives undefined when it cannot be read: every attempt is refused. */
  constructor(
    private readonly token: () => string | undefined,
    private readonly onAuthenticated: () => void = () => undefined,
  ) {}

  /** Checks an `Authorization: Bearer` header value (HTTP). */
  checkBearer(header: string | undefined): boolean {
    const offered = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    return tokensMatch(this.token(), offered);
  }

  admit(message: unknown): Admission {
    const request =
      message !== null && typeof message === 'object' && !Array.isArray(message)
        ? (message as Record<string, unknown>)
        : undefined;
    if (request?.method === 'rpc.auth') {
      const params = request.params as { token?: unknown } | unknown[] | undefined;
      const offered = Array.isArray(params) ? params[0] : params?.token;
      if (!tokensMatch(this.token(), offered)) return this.refuse(message, offered !== undefined);
      this.admitted();
      return isNotification(request)
        ? { pass: false }
        : { pass: false, answer: { jsonrpc: '2.0', result: { authenticated: true }, id: request.id } };
    }
    if (request && 'auth' in request && tokensMatch(this.token(), request.auth)) {
      this.admitted();
      return { pass: true };
    }
    return this.refuse(message, request !== undefined && 'auth' in request);
  }

  private admitted(): void {
    this.authenticated = true;
    this.onAuthenticated();
  }

  /** `offered`: a token came and did not match, which a client must be told apart from sending none. */
  private refuse(message: unknown, offered: boolean): Admission {
    this.failures++;
    const answer = errorAnswers(message, ErrorCode.UNAUTHORIZED, offered ? WRONG_TOKEN : NO_TOKEN) ?? undefined;
    return { pass: false, answer, close: this.failures >= MAX_FAILURES };
  }
}
