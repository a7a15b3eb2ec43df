// `system.*`: introspection (`listMethods`, `methodHelp`, `methodSignature`,
// called by position as the XML-RPC introspection spec has it, or by name),
// and the XML-RPC-era `system.multicall` (many calls in one request, each
// answered in place, a failure in one failing no other) and
// `system.getCapabilities`.

import { Type } from '@sinclair/typebox';
import { builtinAdder, NoParams, type AddBuiltin } from './builtin-method.js';
import type { Dispatcher } from './dispatcher.js';
import { ErrorCode, RpcError, toWireError } from './errors.js';
import { methodSignature } from './openrpc.js';
import type { MethodRegistry } from './registry.js';
import { positionalToParams } from './positional.js';
import {
  CapabilitiesSchema,
  MethodHelpSchema,
  MethodNamesSchema,
  MethodSignatureSchema,
  MulticallAnswersSchema,
} from '../contract/answers.js';

const CAPABILITIES = {
  xmlrpc: { specUrl: 'http://www.xmlrpc.com/spec', specVersion: 1 },
  faults_interop: { specUrl: 'http://xmlrpc-epi.sourceforge.net/specs/rfc.fault_codes.php', specVersion: 20010516 },
  introspection: { specUrl: 'http://xmlrpc-c.sourceforge.net/xmlrpc-c/introspection.html', specVersion: 1 },
  'system.multicall': { specUrl: 'http://www.xmlrpc.com/discuss/msgReader$1208', specVersion: 1 },
  'json-rpc': { specUrl: 'https://www.jsonrpc.org/specification', specVersion: 2 },
  openrpc: { specUrl: 'https://spec.open-rpc.org', specVersion: '1.3.2' },
};

const MethodName = Type.Object(
  { method: Type.String({ description: 'A method name, as listed by system.listMethods' }) },
  { additionalProperties: false },
);

export function registerIntrospection(add: AddBuiltin, registry: MethodRegistry): void {
  const lookup = (name: string) => {
    const entry = registry.get(name);
    if (!entry) throw new RpcError(ErrorCode.INVALID_PARAMS, `no method named ${name}`);
    return entry;
  };
  add(
    'system.listMethods',
    { description: 'The names of every method, built-in and plugin.', params: NoParams, result: MethodNamesSchema },
    () => registry.list().map((entry) => entry.name),
  );
  add(
    'system.methodHelp',
    { description: "A method's description.", params: MethodName, positional: ['method'], result: MethodHelpSchema },
    ({ method }: { method: string }) => lookup(method).description ?? '',
  );
  add(
    'system.methodSignature',
    {
      description: "A method's params and result as JSON Schema.",
      params: MethodName,
      positional: ['method'],
      result: MethodSignatureSchema,
    },
    ({ method }: { method: string }) => methodSignature(lookup(method)),
  );
}

interface Fault {
  faultCode: number;
  faultString: string;
}

const fault = (faultCode: number, faultString: string): Fault => ({ faultCode, faultString });

export function registerSystemExtras(registry: MethodRegistry, dispatcher: Dispatcher): void {
  const add = builtinAdder(registry);

  async function callOne(call: unknown): Promise<[unknown] | Fault> {
    const { methodName, params } = (call ?? {}) as { methodName?: unknown; params?: unknown };
    if (typeof methodName !== 'string') return fault(ErrorCode.INVALID_REQUEST, 'each call needs a methodName');
    if (methodName === 'system.multicall') return fault(ErrorCode.INVALID_REQUEST, 'system.multicall cannot be nested');
    const entry = registry.get(methodName);
    if (!entry) return fault(ErrorCode.METHOD_NOT_FOUND, `Method not found: ${methodName}`);
    try {
      return [await dispatcher.invoke(entry, Array.isArray(params) ? positionalToParams(params) : params)];
    } catch (error) {
      const wire = toWireError(error);
      return fault(wire.code, wire.message);
    }
  }

  add(
    'system.multicall',
    {
      description:
        'Runs many calls in one request: params is an array of {methodName, params}. Each answer stands in place: [result] on success, {faultCode, faultString} on failure.',
      params: Type.Array(Type.Unknown()),
      result: MulticallAnswersSchema,
    },
    (params: unknown[]) => {
      // XML-RPC clients send the list of calls as the one positional param.
      const calls = params.length === 1 && Array.isArray(params[0]) ? params[0] : params;
      return Promise.all(calls.map(callOne));
    },
  );
  add(
    'system.getCapabilities',
    { description: 'The protocols and conventions this server follows.', result: CapabilitiesSchema },
    () => CAPABILITIES,
  );
}
