// The answers of the built-in methods that are not a plugin's or the
// daemon's status: small acknowledgements and introspection.

import { Type, type Static } from '@sinclair/typebox';

export const StoppingSchema = Type.Object({ stopping: Type.Literal(true) });
export const UnloadedSchema = Type.Object({ unloaded: Type.String({ description: 'The plugin unloaded' }) });
export const AuthenticatedSchema = Type.Object({ authenticated: Type.Literal(true) });
export const MethodNamesSchema = Type.Array(Type.String());
export const MethodHelpSchema = Type.String();

export const MethodSignatureSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  owner: Type.String({ description: '`daemon`, `app` or the plugin that serves it' }),
  params: Type.Unknown({ description: 'JSON Schema of the params' }),
  result: Type.Unknown({ description: 'JSON Schema of the result' }),
});
export type MethodSignature = Static<typeof MethodSignatureSchema>;

export const OpenRpcDocumentSchema = Type.Object(
  {
    openrpc: Type.String(),
    info: Type.Object({ title: Type.String(), version: Type.String(), description: Type.String() }),
    methods: Type.Array(
      Type.Object({
        name: Type.String(),
        description: Type.String(),
        paramStructure: Type.Union([Type.Literal('by-name'), Type.Literal('either')]),
        params: Type.Array(Type.Object({ name: Type.String(), required: Type.Boolean(), schema: Type.Unknown() })),
        result: Type.Object({ name: Type.String(), schema: Type.Unknown() }),
      }),
    ),
  },
  { description: 'An OpenRPC 1.3 document' },
);

export const MulticallAnswersSchema = Type.Array(
  Type.Union([Type.Tuple([Type.Unknown()]), Type.Object({ faultCode: Type.Integer(), faultString: Type.String() })]),
  { description: 'Each call answered in place: [result], or a fault' },
);

export const CapabilitiesSchema = Type.Record(
  Type.String(),
  Type.Object({ specUrl: Type.String(), specVersion: Type.Union([Type.Integer(), Type.String()]) }),
);
