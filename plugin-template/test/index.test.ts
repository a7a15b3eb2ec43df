// The plugin's tests, without a daemon: loadPlugin compiles and sets up the
// plugin in this process, and host.call answers as the daemon would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlugin } from 'plugd/sdk/testing';

const ENTRY = new URL('../src/index.ts', import.meta.url);

test('greet greets', async (t) => {
  const host = await loadPlugin(ENTRY);
  t.after(() => host.close());
  assert.equal(await host.call('greet', { name: 'you' }), 'hello, you!');
});

test('greet refuses bad params with the error the daemon would answer', async (t) => {
  const host = await loadPlugin(ENTRY);
  t.after(() => host.close());
  await assert.rejects(host.call('greet', { name: 42 }), {
    code: -32602,
    message: 'Invalid params: params.name must be string',
  });
});

test('SIGUSR2 logs how many greetings were served', async (t) => {
  const host = await loadPlugin(ENTRY);
  t.after(() => host.close());
  await host.call('greet', { name: 'you' });
  host.signal('SIGUSR2');
  assert.equal(host.logs.at(-1)?.msg, 'greetings so far');
  assert.equal(host.logs.at(-1)?.greetings, 1);
});

test('close runs the onShutdown handler', async () => {
  const host = await loadPlugin(ENTRY);
  await host.close();
  assert.equal(host.logs.at(-1)?.msg, 'goodbye');
});
