// Every built-in declares its result (core/contract/), so `rpc.discover` is
// exact: here each built-in's real answer is checked against the schema the
// daemon itself publishes for it.

import test from 'ava';
import { Ajv } from 'ajv';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';

interface OpenRpcMethod {
  name: string;
  result: { schema: Record<string, unknown> };
  'x-plugin'?: string;
}

test('rpc.discover declares a result schema for every built-in, and the real answers match it', async (t) => {
  // In one shared worker, so plugins.list carries the optional `sharedWorker` its schema declares.
  const shared = { sharedWorker: 'examples' };
  const daemon = await startDaemon(t, { examples: true, config: { plugins: { echo: shared, counter: shared } } });
  const discovered: { methods: OpenRpcMethod[] } = await daemon.call('rpc.discover');
  const builtins = discovered.methods.filter((method) => method['x-plugin'] === undefined);
  t.true(builtins.length >= 20, `${builtins.length} built-ins`);
  for (const method of builtins)
    t.not(Object.keys(method.result.schema).length, 0, `${method.name} declares no result`);

  const ajv = new Ajv({ strict: false, allErrors: true });
  const schemaOf = new Map(builtins.map((method) => [method.name, method.result.schema]));
  const checked = new Set<string>();
  const answerMatches = async (method: string, params?: unknown) => {
    const answer: unknown = await daemon.call(method, params);
    const validate = ajv.compile(schemaOf.get(method)!);
    t.true(validate(answer), `${method}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(answer)}`);
    checked.add(method);
  };

  await daemon.call('echo.say', { text: 'counted' });
  await answerMatches('daemon.status');
  await answerMatches('daemon.metrics');
  await answerMatches('plugins.list');
  await answerMatches('plugins.status', { name: 'echo' });
  t.like(await daemon.call('plugins.status', { name: 'echo' }), shared);
  await answerMatches('plugins.pause', { name: 'echo' });
  await answerMatches('plugins.resume', { name: 'echo' });
  await answerMatches('plugins.reload', { name: 'echo', force: true });
  await answerMatches('plugins.reload', {});
  await answerMatches('daemon.reload');
  await answerMatches('system.listMethods');
  await answerMatches('system.methodHelp', { method: 'echo.say' });
  await answerMatches('system.methodSignature', { method: 'daemon.status' });
  await answerMatches('system.multicall', [
    [{ methodName: 'echo.say', params: { text: 'a' } }, { methodName: 'nope' }],
  ]);
  await answerMatches('system.getCapabilities');
  await answerMatches('rpc.discover');
  await answerMatches('plugins.unload', { name: 'echo' });
  await answerMatches('plugins.load', { path: join(daemon.pluginDir, 'echo.plugin.ts') });
  t.true(checked.size >= 15);
});
