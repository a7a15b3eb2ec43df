// What every built-in method shares: it is owned by `daemon`, and many take no params.

import { Type } from '@sinclair/typebox';
import { defineMethod, type MethodDefinition, type DaemonMethodHandler, type MethodRegistry } from './registry.js';

export const NoParams = Type.Object({}, { additionalProperties: false });

export type AddBuiltin = (name: string, definition: MethodDefinition, handler: DaemonMethodHandler) => void;

export function builtinAdder(registry: MethodRegistry): AddBuiltin {
  return (name, definition, handler) => registry.add(defineMethod(name, 'daemon', definition, handler));
}
