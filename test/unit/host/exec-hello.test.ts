// The stdio plugin backend's check of the hello a child writes first.

import test from 'ava';
import { readHello } from '../../../core/host/exec-hello.js';

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
