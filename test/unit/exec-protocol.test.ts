// The stdio plugin backend's checks of what a child writes: its hello
// (exec-hello.ts) and its lines, cut at the limit (exec-lines.ts).

import test from 'ava';
import { readHello } from '../../core/host/exec-hello.js';
import { LineCutter } from '../../core/host/exec-lines.js';

test('a good hello is a manifest with no signals or hooks', (t) => {
  const hello = readHello({
    protocol: 1,
    methods: [{ name: 'a.b', params: { type: 'object' }, timeoutMs: 10 }],
    snapshot: true,
    concurrency: 4,
  });
  t.deepEqual(hello, {
    manifest: {
      methods: [{ name: 'a.b', description: undefined, params: { type: 'object' }, result: undefined, timeoutMs: 10 }],
      signals: [],
      hooks: [],
      snapshot: true,
    },
    concurrency: 4,
  });
});

test('a bad hello says what is wrong', (t) => {
  const problems: Array<[unknown, RegExp]> = [
    [undefined, /no params object/],
    [{ protocol: 2, methods: [] }, /asks for protocol 2; this plugd speaks 1/],
    [{ protocol: 1, methods: {} }, /"methods" is not an array/],
    [{ protocol: 1, methods: [{ name: 'plugd.ping' }] }, /plugd.ping is reserved/],
    [{ protocol: 1, methods: [{ name: 'a b' }] }, /is not a name/],
    [{ protocol: 1, methods: [{ name: 'a' }, { name: 'a' }] }, /declares method a twice/],
    [{ protocol: 1, methods: [{ name: 'a', params: 'object' }] }, /"params" is not a JSON Schema object/],
    [{ protocol: 1, methods: [], snapshot: 'yes' }, /"snapshot" is not a boolean/],
    [{ protocol: 1, methods: [], concurrency: 0 }, /"concurrency" is not a positive integer/],
  ];
  for (const [params, problem] of problems) {
    const hello = readHello(params);
    t.true('problem' in hello && problem.test(hello.problem), JSON.stringify(hello));
  }
});

test('lines are cut at the limit, whatever the chunks', (t) => {
  const lines: string[] = [];
  const tooLong: string[] = [];
  const cutter = new LineCutter(
    8,
    (line) => lines.push(line),
    (head) => tooLong.push(head),
  );
  cutter.push(Buffer.from('ab'));
  cutter.push(Buffer.from('c\r\nde\n\n12345'));
  cutter.push(Buffer.from('6789abcdef'));
  cutter.push(Buffer.from('ghij\nok\n'));
  t.deepEqual(lines, ['abc', 'de', '', 'ok']);
  t.deepEqual(tooLong, ['12345678']);
});
