// JSON-RPC 2.0 semantics for one parsed message: request-check.ts refuses what
// is not a request (or carries a value JSON cannot pass on unchanged), then
// jayson's Server routes through the registry. Batches are taken apart here,
// because jayson silently drops nested arrays inside a batch where the spec
// wants an "Invalid Request" answer each.

import jayson from 'jayson';
import type { CoreHooks, CallInfo } from '../hooks.js';
import { describeErrors } from '../config/schema.js';
import { ErrorCode, RpcError, toWireError } from './errors.js';
import type { JsonRpcResponse } from './json-rpc.js';
import { namePositional } from './positional.js';
import type { MethodEntry, MethodRegistry } from './registry.js';
import { refuseRequest } from './request-check.js';
import type { Metrics } from '../observe/metrics.js';

export type { JsonRpcResponse } from './json-rpc.js';

/** Where a call came from: the transport and what it knows of the peer. */
export interface CallContext {
  transport: 'unix' | 'tcp' | 'http' | 'internal';
}

const INVALID_REQUEST = Object.freeze({
  jsonrpc: '2.0',
  error: { code: ErrorCode.INVALID_REQUEST, message: 'Invalid Request' },
  id: null,
});

/** The id a request with `"id": null` runs under inside jayson (see callOne). */
const NULL_ID_STAND_IN = 0;

export const PARSE_ERROR_RESPONSE = Object.freeze({
  jsonrpc: '2.0',
  error: { code: ErrorCode.PARSE_ERROR, message: 'Parse error' },
  id: null,
});

export class Dispatcher {
  private readonly server: jayson.Server;
  private readonly jaysonMethods = new WeakMap<MethodEntry, jayson.Method>();

  constructor(
    private readonly registry: MethodRegistry,
    private readonly hooks: CoreHooks,
    /** Absent in the test harness, which keeps no figures. */
    private readonly metrics?: Metrics,
  ) {
    this.server = new jayson.Server({}, { router: (method) => this.route(method) });
  }

  /** Answers one JSON text; `undefined` when nothing is owed (notifications). */
  async handleText(text: string, context: CallContext): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return PARSE_ERROR_RESPONSE;
    }
    return this.handle(message, context);
  }

  handle(message: unknown, context: CallContext): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
    if (!Array.isArray(message)) return this.callOne(message, context);
    if (message.length === 0) return Promise.resolve(INVALID_REQUEST);
    return Promise.all(message.map((member) => this.callOne(member, context))).then((answers) => {
      const owed = answers.filter((answer): answer is JsonRpcResponse => answer !== undefined);
      return owed.length > 0 ? owed : undefined;
    });
  }

  /** Runs one method the way a socket call would (hooks, validation, metrics). */
  async invoke(entry: MethodEntry, params: unknown): Promise<unknown> {
    if (!this.metrics) return this.run(entry, params);
    const timing = this.metrics.begin(entry.name, entry.plugin);
    try {
      const result = await this.run(entry, params);
      this.metrics.end(timing);
      return result;
    } catch (error) {
      this.metrics.end(timing, toWireError(error).code);
      throw error;
    }
  }

  private async run(entry: MethodEntry, params: unknown): Promise<unknown> {
    if (entry.positional && Array.isArray(params) && params.length > 0)
      params = namePositional(entry.name, entry.positional, params);
    let call: CallInfo = { method: entry.name, params, plugin: entry.plugin };
    if (this.hooks.beforeCall.isUsed()) call = await this.hooks.beforeCall.promise(call);
    if (entry.validate) {
      // Clients often send no params, or [], to a method that takes none.
      if (call.params === undefined || (Array.isArray(call.params) && call.params.length === 0)) call.params = {};
      if (!entry.validate(call.params)) {
        throw new RpcError(ErrorCode.INVALID_PARAMS, `Invalid params: ${describeErrors(entry.validate.errors)}`, {
          method: entry.name,
          ...(entry.plugin && { plugin: entry.plugin }),
        });
      }
    }
    if (!this.hooks.afterCall.isUsed()) return entry.handler(call.params, call);
    const started = performance.now();
    try {
      const result = await entry.handler(call.params, call);
      this.hooks.afterCall.call(call, { durationMs: performance.now() - started });
      return result;
    } catch (error) {
      this.hooks.afterCall.call(call, { durationMs: performance.now() - started, error: toWireError(error) });
      throw error;
    }
  }

  private callOne(message: unknown, context: CallContext): Promise<JsonRpcResponse | undefined> {
    const refused = refuseRequest(message);
    if (refused) return Promise.resolve(refused.answer);
    const request = message as jayson.JSONRPCRequest;
    if (request.id !== null) return this.callJayson(request, context);
    // jayson takes "id": null for a notification: the call runs under a stand-in id, and its answer carries null back.
    return this.callJayson({ ...request, id: NULL_ID_STAND_IN }, context).then(
      (answer) => answer && { ...answer, id: null },
    );
  }

  private callJayson(request: jayson.JSONRPCRequest, context: CallContext): Promise<JsonRpcResponse | undefined> {
    return new Promise((resolve) => {
      this.server.call(request, context, (error, response) =>
        resolve((error ?? response) as JsonRpcResponse | undefined),
      );
    });
  }

  private route(name: string): jayson.Method {
    const entry = this.registry.get(name);
    if (!entry) return methodNotFound(name);
    let method = this.jaysonMethods.get(entry);
    if (!method) {
      method = new jayson.Method(
        (params: unknown, _context: object, callback: jayson.JSONRPCCallbackTypePlain) => {
          this.invoke(entry, params).then(
            (result) => callback(null, result),
            (error) => callback(toWireError(error, entry.plugin) as jayson.JSONRPCError),
          );
        },
        { useContext: true },
      );
      this.jaysonMethods.set(entry, method);
    }
    return method;
  }
}

/** jayson's own -32601 does not say which method: this one names it. */
function methodNotFound(name: string): jayson.Method {
  return new jayson.Method((_params: unknown, callback: jayson.JSONRPCCallbackTypePlain) =>
    callback({ code: ErrorCode.METHOD_NOT_FOUND, message: `Method not found: ${name}` }),
  );
}
