// What counts as loopback: only literal loopback addresses and `localhost`.

import test from 'ava';
import { formatAddress, isLoopback, parseAddress } from '../../../core/contract/address.js';

test('isLoopback accepts 127.0.0.0/8 literals, ::1 and localhost, and no name that merely starts with 127.', (t) => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) t.true(isLoopback(host), host);
  for (const host of [
    '127.evil.example',
    '127.0.0.1.nip.io',
    '127.0.0.256',
    '0.0.0.0',
    '10.0.0.1',
    '::',
    'example.com',
  ])
    t.false(isLoopback(host), host);
});

test('formatAddress brackets an IPv6 host, and parseAddress reads every formatted address back', (t) => {
  for (const [host, text] of [
    ['127.0.0.1', '127.0.0.1:10042'],
    ['localhost', 'localhost:10042'],
    ['::1', '[::1]:10042'],
    ['fe80::1', '[fe80::1]:10042'],
  ]) {
    t.is(formatAddress({ host, port: 10042 }), text);
    t.deepEqual(parseAddress(text), { host, port: 10042 });
  }
});
