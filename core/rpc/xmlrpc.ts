// XML-RPC ⇄ JSON-RPC, so existing XML-RPC clients (Python's xmlrpc.client,
// supervisord's tools) can drive plugd. fast-xml-parser reads and writes the
// XML; this file maps XML-RPC values to JSON and back.

import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { WireError } from '../channel/protocol.js';

/** A node of fast-xml-parser's order-preserving tree: `{ tag: children }` or `{ '#text': text }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
});
const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: true, suppressEmptyNode: false });

export class XmlRpcParseError extends Error {}

const tagOf = (node: XmlNode) => Object.keys(node).find((key) => key !== ':@');
const childrenOf = (node: XmlNode) => (node[tagOf(node)!] as XmlNode[]) ?? [];
const elements = (nodes: XmlNode[]) => nodes.filter((node) => tagOf(node) !== '#text' && tagOf(node) !== '?xml');
const textOf = (nodes: XmlNode[]) =>
  nodes.map((node) => (node['#text'] === undefined ? '' : String(node['#text']))).join('');

function only(nodes: XmlNode[], tag: string): XmlNode {
  const found = elements(nodes).find((node) => tagOf(node) === tag);
  if (!found) throw new XmlRpcParseError(`expected <${tag}>`);
  return found;
}

function decodeValue(value: XmlNode): unknown {
  const typed = elements(childrenOf(value))[0];
  if (!typed) return textOf(childrenOf(value)); // <value>text</value> is a string.
  const tag = tagOf(typed)!;
  const text = textOf(childrenOf(typed));
  switch (tag) {
    case 'string':
      return text;
    case 'int':
    case 'i4':
    case 'i8':
    case 'double': {
      const number = Number(text.trim());
      if (!Number.isFinite(number)) throw new XmlRpcParseError(`<${tag}> holds "${text}", not a number`);
      return number;
    }
    case 'boolean':
      return text.trim() === '1';
    case 'nil':
      return null;
    case 'dateTime.iso8601':
      return text.trim();
    case 'base64':
      return text.replace(/\s+/g, '');
    case 'array':
      return elements(childrenOf(only(childrenOf(typed), 'data'))).map(decodeValue);
    case 'struct':
      return Object.fromEntries(
        elements(childrenOf(typed)).map((member) => [
          textOf(childrenOf(only(childrenOf(member), 'name'))),
          decodeValue(only(childrenOf(member), 'value')),
        ]),
      );
    default:
      throw new XmlRpcParseError(`unknown XML-RPC type <${tag}>`);
  }
}

export function parseMethodCall(xml: string): { method: string; params: unknown[] } {
  let tree: XmlNode[];
  try {
    tree = parser.parse(xml);
  } catch (error) {
    throw new XmlRpcParseError(`not XML: ${(error as Error).message}`);
  }
  const call = only(tree, 'methodCall');
  const method = textOf(childrenOf(only(childrenOf(call), 'methodName'))).trim();
  const paramsNode = elements(childrenOf(call)).find((node) => tagOf(node) === 'params');
  const params = paramsNode
    ? elements(childrenOf(paramsNode)).map((param) => decodeValue(only(childrenOf(param), 'value')))
    : [];
  return { method, params };
}

const text = (value: string) => [{ '#text': value }];

function encodeValue(value: unknown): XmlNode {
  return { value: [encodeTyped(value)] };
}

function encodeTyped(value: unknown): XmlNode {
  if (value === null || value === undefined) return { nil: [] };
  // As JSON would see it: a plugin's result arrives as JSON text (RawJson), parsed here.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return encodeTyped((value as { toJSON(): unknown }).toJSON());
  if (typeof value === 'boolean') return { boolean: text(value ? '1' : '0') };
  if (typeof value === 'number') {
    return Number.isInteger(value) && Math.abs(value) <= 0x7fffffff
      ? { int: text(String(value)) }
      : { double: text(String(value)) };
  }
  if (typeof value === 'string') return { string: text(value) };
  if (Array.isArray(value)) return { array: [{ data: value.map(encodeValue) }] };
  if (typeof value === 'object') {
    return {
      struct: Object.entries(value as Record<string, unknown>).map(([name, member]) => ({
        member: [{ name: text(name) }, encodeValue(member)],
      })),
    };
  }
  return { string: text(String(value)) };
}

const DECLARATION = '<?xml version="1.0"?>';

export function methodResponse(result: unknown): string {
  return DECLARATION + builder.build([{ methodResponse: [{ params: [{ param: [encodeValue(result)] }] }] }]);
}

export function faultResponse(error: WireError): string {
  return (
    DECLARATION +
    builder.build([
      { methodResponse: [{ fault: [encodeValue({ faultCode: error.code, faultString: error.message })] }] },
    ])
  );
}
