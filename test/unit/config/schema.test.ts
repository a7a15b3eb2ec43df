import test from 'ava';
import { Type } from '@sinclair/typebox';
import { SchemaScope, compileSchema, describeErrors } from '../../../core/config/schema.js';

const offset = { type: 'object', properties: { offset: { type: 'number' } } };

test('a schema Ajv cannot compile throws the reason; one it can compiles without a meta-schema check', (t) => {
  const scope = new SchemaScope();
  t.throws(() => scope.compile({ type: 'no-such-type' }), { message: /type must be JSONType/ });
  t.throws(() => scope.compile({ properties: 5 }), { message: /properties value must be/ });
  t.throws(() => scope.compile({ $ref: '#/definitions/nowhere' }), { message: /can't resolve reference/ });
  t.true(scope.compile({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' })('text'));
});

test('one schema in two plugins: each validator reports its own call', (t) => {
  const [first, second] = [new SchemaScope(), new SchemaScope()].map((scope) => scope.compile(structuredClone(offset)));
  t.false(first({ offset: 'far' }));
  t.true(second({ offset: 1 }));
  t.is(describeErrors(first.errors), 'params.offset must be number');
  t.falsy(second.errors);
  // The core's own schemas compile apart from plugins' (no RE2 for them), and their errors stay apart too.
  const core = compileSchema(structuredClone(offset));
  t.true(core({}));
  t.is(describeErrors(first.errors), 'params.offset must be number');
});

test('schemas with one $id in two scopes each keep their own, recursive ones included', (t) => {
  const asNumber = new SchemaScope().compile({ $id: 'Req', type: 'number' });
  const asString = new SchemaScope().compile({ $id: 'Req', type: 'string' });
  t.true(asNumber(1));
  t.true(asString('one'));
  t.false(asString(1));
  const tree = JSON.parse(JSON.stringify(Type.Recursive((self) => Type.Object({ children: Type.Array(self) }))));
  const validate = new SchemaScope().compile(tree);
  t.true(validate({ children: [{ children: [] }] }));
  t.false(validate({ children: [{ children: 'no' }] }));
});

test('a version reuses the validators of the version before for schemas unchanged word for word', (t) => {
  const before = new SchemaScope();
  const kept = before.compile({ $id: 'Req', type: 'number' });
  const after = new SchemaScope(before);
  t.is(after.compile({ $id: 'Req', type: 'number' }), kept);
  t.not(after.compile({ $id: 'Req', type: 'string' }), kept);
});

const backtracking = '^(\\w+\\s?)*$';
const noMatch = `${'a'.repeat(32)}!`;

test("a plugin's pattern and patternProperties run on RE2: a backtracking pattern answers at once", (t) => {
  const scope = new SchemaScope();
  const anonymous = scope.compile({ type: 'string', pattern: backtracking });
  const withId = scope.compile({
    $id: 'Words',
    type: 'object',
    patternProperties: { [backtracking]: { type: 'number' } },
  });
  // With JavaScript's RegExp each of these takes minutes.
  t.false(anonymous(noMatch));
  t.true(anonymous('plain words'));
  t.true(withId({ [noMatch]: 'not checked: the key does not match' }));
  t.false(withId({ words: 'a string' }));
});

test('a pattern RE2 cannot run (backreference, lookaround) throws naming it', (t) => {
  const scope = new SchemaScope();
  t.throws(() => scope.compile({ type: 'string', pattern: '^(a+)\\1$' }), {
    message: /pattern "\^\(a\+\)\\\\1\$" cannot run in linear time \(RE2: invalid escape sequence/,
  });
  t.throws(() => scope.compile({ type: 'object', patternProperties: { '^(?=x)': { type: 'number' } } }), {
    message: /pattern "\^\(\?=x\)" cannot run in linear time/,
  });
});
