// `rpc.*`: authentication of a TCP connection, and the OpenRPC document.

import { Type } from '@sinclair/typebox';
import { NoParams, type AddBuiltin } from './builtin-method.js';
import { openRpcDocument } from './openrpc.js';
import type { MethodRegistry } from './registry.js';
import { AuthenticatedSchema, OpenRpcDocumentSchema } from '../contract/answers.js';

export function registerRpcMethods(add: AddBuiltin, registry: MethodRegistry, version: string): void {
  add(
    'rpc.auth',
    {
      description:
        'Authenticates a TCP connection with the token in $PLUGD_HOME/token; the unix socket is trusted already.',
      params: Type.Object({ token: Type.String() }, { additionalProperties: false }),
      positional: ['token'],
      result: AuthenticatedSchema,
    },
    // The auth gate checks the token before any call reaches here (auth-gate.ts).
    () => ({ authenticated: true }),
  );
  add(
    'rpc.discover',
    { description: 'An OpenRPC document describing every method.', params: NoParams, result: OpenRpcDocumentSchema },
    () => openRpcDocument(registry.list(), { version }),
  );
}
