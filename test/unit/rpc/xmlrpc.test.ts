// XML-RPC ⇄ JSON-RPC without a socket: which XML-RPC value becomes which JSON
// value and back, and a malformed body refused with an XmlRpcParseError that
// says what is wrong (the HTTP handler answers it as a -32700 fault).

import test from 'ava';
import { faultResponse, methodResponse, parseMethodCall, XmlRpcParseError } from '../../../core/rpc/xmlrpc.js';
import { RawJson } from '../../../core/rpc/raw-json.js';

const call = (params: string) =>
  `<?xml version="1.0"?><methodCall><methodName>m</methodName><params>${params}</params></methodCall>`;
const param = (value: string) => `<param><value>${value}</value></param>`;

/** The value a response carries, read back through the call parser (a response's params are a call's). */
function readBack(response: string): unknown {
  const asCall = response
    .replace('<methodResponse>', '<methodCall><methodName>m</methodName>')
    .replace('</methodResponse>', '</methodCall>');
  return parseMethodCall(asCall).params[0];
}

test('every XML-RPC type maps to its JSON value, surrounding blanks trimmed where the type is a number', (t) => {
  const parsed = parseMethodCall(
    call(
      [
        param('<int>-7</int>'),
        param('<i4> 7 </i4>'),
        param('<i8>9007199254740991</i8>'),
        param('<double>2.5</double>'),
        param('<boolean>1</boolean>'),
        param('<boolean>0</boolean>'),
        param('<nil/>'),
        param('<string> spaced &amp; escaped &lt;x&gt; </string>'),
        param('untyped text'),
        param('<dateTime.iso8601>20260101T10:00:00</dateTime.iso8601>'),
        param('<base64>aGV\n  sbG8=</base64>'),
        param('<array><data><value><int>1</int></value><value>two</value></data></array>'),
        param('<struct><member><name>k</name><value><struct></struct></value></member></struct>'),
      ].join(''),
    ),
  );
  t.is(parsed.method, 'm');
  t.deepEqual(parsed.params, [
    -7,
    7,
    9007199254740991,
    2.5,
    true,
    false,
    null,
    ' spaced & escaped <x> ',
    'untyped text',
    '20260101T10:00:00',
    'aGVsbG8=',
    [1, 'two'],
    { k: {} },
  ]);
});

test('a call without <params> has none, and the method name is trimmed', (t) => {
  t.deepEqual(parseMethodCall('<methodCall><methodName> echo.say </methodName></methodCall>'), {
    method: 'echo.say',
    params: [],
  });
});

test('a malformed body is an XmlRpcParseError that names what is wrong', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['', /expected <methodCall>/],
    ['this is not XML-RPC', /expected <methodCall>/],
    ['<<<', /^not XML: /],
    ['<methodResponse></methodResponse>', /expected <methodCall>/],
    ['<methodCall></methodCall>', /expected <methodName>/],
    [call('<param></param>'), /expected <value>/],
    [call(param('<int>seven</int>')), /<int> holds "seven", not a number/],
    [call(param('<double>1e999</double>')), /<double> holds "1e999", not a number/],
    [call(param('<float>1</float>')), /unknown XML-RPC type <float>/],
    [call(param('<array></array>')), /expected <data>/],
    [call(param('<struct><member><value>1</value></member></struct>')), /expected <name>/],
    [call(param('<struct><member><name>k</name></member></struct>')), /expected <value>/],
  ];
  for (const [xml, message] of cases) {
    t.throws(() => parseMethodCall(xml), { instanceOf: XmlRpcParseError, message }, xml);
  }
});

test('a result maps back: integers in 32 bits as <int>, other numbers as <double>, null as <nil>', (t) => {
  const xml = methodResponse([1, -2147483647, 2147483648, 2.5, true, false, null, 'x<&>', { a: [] }]);
  t.true(xml.startsWith('<?xml version="1.0"?><methodResponse><params><param><value><array><data>'), xml);
  for (const piece of [
    '<value><int>1</int></value>',
    '<value><int>-2147483647</int></value>',
    '<value><double>2147483648</double></value>',
    '<value><double>2.5</double></value>',
    '<value><boolean>1</boolean></value>',
    '<value><boolean>0</boolean></value>',
    '<value><nil></nil></value>',
    '<value><string>x&lt;&amp;&gt;</string></value>',
    '<value><struct><member><name>a</name><value><array><data></data></array></value></member></struct></value>',
  ]) {
    t.true(xml.includes(piece), piece);
  }
  t.deepEqual(readBack(xml), [1, -2147483647, 2147483648, 2.5, true, false, null, 'x<&>', { a: [] }]);
});

test("a plugin's result as JSON text (RawJson) is sent as its value, nested or alone", (t) => {
  t.deepEqual(readBack(methodResponse(new RawJson('{"k":[1,"v",null]}'))), { k: [1, 'v', null] });
  t.deepEqual(readBack(methodResponse([new RawJson('"x"'), { r: new RawJson('2.5') }])), ['x', { r: 2.5 }]);
  t.is(readBack(methodResponse(undefined)), null, 'a method that returns nothing answers nil');
});

test('a fault carries faultCode as <int> and faultString as <string>', (t) => {
  const xml = faultResponse({ code: -32601, message: 'Method not found: no.such' });
  t.is(
    xml,
    '<?xml version="1.0"?><methodResponse><fault><value><struct>' +
      '<member><name>faultCode</name><value><int>-32601</int></value></member>' +
      '<member><name>faultString</name><value><string>Method not found: no.such</string></value></member>' +
      '</struct></value></fault></methodResponse>',
  );
});

test('whatever a JSON value holds survives the trip to XML-RPC and back', (t) => {
  const value = { list: [0, -1, 1.5e300, 'ü € 😀', '', true, null, [[]]], nested: { deep: { deeper: 'x' } } };
  t.deepEqual(readBack(methodResponse(value)), value);
});
