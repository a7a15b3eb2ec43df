// HTTP/1.1 on the same socket as newline JSON: `POST /` with a JSON body is
// JSON-RPC (`curl --unix-socket ... -d '{...}'`), with `text/xml` it is XML-RPC.
// Over TCP a request must carry `Authorization: Bearer <token>`.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Limits } from '../config/config.js';
import type { AuthGate } from './auth-gate.js';
import type { CallContext, Dispatcher, JsonRpcResponse } from './dispatcher.js';
import { ErrorCode } from './errors.js';
import type { ConnectionHooks } from './ndjson-connection.js';
import { positionalToParams } from './positional.js';
import { answerText } from './answer-text.js';

/** The XML-RPC codec (and its XML library) loads with the first XML-RPC request. */
const xmlRpc = () => import('./xmlrpc.js');

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Read no more of it; the 413 is written before the connection closes (see the catch below).
        request.removeAllListeners('data').pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, contentType: string | undefined, body: string): void {
  if (contentType) response.setHeader('content-type', contentType);
  response.writeHead(status).end(body);
}

/**
 * Another service on the same port (the dashboard, over TCP): it answers a
 * request itself, admits a JSON-RPC POST it vouches for, or lets it pass.
 */
export interface HttpFront {
  route(request: IncomingMessage, response: ServerResponse): 'answered' | 'admitted' | 'pass';
}

const isXml = (request: IncomingMessage) => /\bxml\b/.test(request.headers['content-type'] ?? '');

export function createHttpHandler(
  dispatcher: Dispatcher,
  context: CallContext,
  limits: Limits,
  hooks: ConnectionHooks,
  gate: AuthGate | undefined,
  front?: HttpFront,
): Server {
  const unauthorized = { code: ErrorCode.UNAUTHORIZED, message: 'unauthorized: send Authorization: Bearer <token>' };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const verdict = front?.route(request, response) ?? 'pass';
    if (verdict === 'answered') return;
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return reply(response, 405, 'text/plain', 'plugd speaks JSON-RPC or XML-RPC: POST a request\n');
    }
    if (gate && verdict !== 'admitted' && !gate.checkBearer(request.headers.authorization)) {
      return isXml(request)
        ? reply(response, 401, 'text/xml', (await xmlRpc()).faultResponse(unauthorized))
        : reply(response, 401, 'application/json', JSON.stringify({ jsonrpc: '2.0', error: unauthorized, id: null }));
    }
    const body = await readBody(request, limits.maxLineBytes);
    if (isXml(request)) return reply(response, 200, 'text/xml', await answerXmlRpc(body));
    const answer = await dispatcher.handleText(body, context);
    if (answer === undefined) return reply(response, 204, undefined, '');
    reply(response, 200, 'application/json', answerText(answer, limits.maxPendingWriteBytes));
  }

  async function answerXmlRpc(body: string): Promise<string> {
    const { faultResponse, methodResponse, parseMethodCall, XmlRpcParseError } = await xmlRpc();
    let call: { method: string; params: unknown[] };
    try {
      call = parseMethodCall(body);
    } catch (error) {
      if (!(error instanceof XmlRpcParseError)) throw error;
      return faultResponse({ code: ErrorCode.PARSE_ERROR, message: `Parse error: ${error.message}` });
    }
    const request = { jsonrpc: '2.0', method: call.method, params: positionalToParams(call.params), id: 1 };
    const answer = (await dispatcher.handle(request, context)) as JsonRpcResponse;
    return answer.error
      ? faultResponse(answer.error as { code: number; message: string })
      : methodResponse(answer.result);
  }

  return createServer({ keepAliveTimeout: limits.idleTimeoutMs || undefined }, (request, response) => {
    hooks.callStarted();
    handle(request, response)
      .catch((error) => {
        if (response.headersSent) return response.destroy();
        if (error instanceof BodyTooLarge) {
          response.setHeader('connection', 'close');
          return reply(
            response,
            413,
            'text/plain',
            `request body too large: over limits.maxLineBytes (${limits.maxLineBytes} bytes)\n`,
          );
        }
        reply(response, 500, 'text/plain', `${(error as Error).message}\n`);
      })
      .finally(() => hooks.callSettled());
  });
}
