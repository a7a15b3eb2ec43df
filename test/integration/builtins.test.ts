// The built-in methods as callers outside plugd call them: by position (the
// XML-RPC introspection spec, comodojo's `worker.*`), and through the CLI.

import test from 'ava';
import { runCli, startDaemon } from '../helpers/daemon.js';
import { RawSocket } from '../helpers/raw-socket.js';

test('built-ins with one or two params take them by position too', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const raw = await RawSocket.open(daemon.socket);
  t.teardown(() => raw.close());
  let id = 0;
  const call = async (method: string, params: unknown[]) => {
    const answer = await raw.request({ jsonrpc: '2.0', method, params, id: ++id });
    if (answer.error) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
    return answer.result;
  };
  t.is(await call('system.methodHelp', ['echo.say']), 'Answers with the text it was given.');
  t.is((await call('system.methodSignature', ['echo.say'])).name, 'echo.say');
  t.is((await call('worker.status', ['echo'])).name, 'echo');
  t.is((await call('plugins.pause', ['echo'])).paused, true);
  t.is((await call('plugins.resume', ['echo'])).paused, false);
  t.deepEqual(await call('plugins.reload', ['echo', true]), { name: 'echo', changed: true });
  // By name as before; and a method that takes nothing still takes [].
  t.is((await call('system.listMethods', [])).includes('echo.say'), true);
  const tooMany = await raw.request({
    jsonrpc: '2.0',
    method: 'system.methodHelp',
    params: ['echo.say', 'x'],
    id: 'many',
  });
  t.is(tooMany.error.code, -32602);
  t.regex(tooMany.error.message, /at most 1 by position \(method\)/);
});

test('plugd call refuses params that are not an object or an array, at once; plugd plugins shows a paused plugin as paused', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const scalar = await runCli(['--home', daemon.home, 'call', 'echo.echo', '42']);
  t.is(scalar.code, 1);
  t.is(scalar.stderr, 'params must be a JSON object or array, not 42\n');
  t.is((await runCli(['--home', daemon.home, 'call', 'echo.echo', '[42]'])).stdout.trim().replace(/\s/g, ''), '[42]');

  await daemon.call('plugins.pause', { name: 'echo' });
  const listed = await runCli(['--home', daemon.home, 'plugins']);
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /^echo\s+paused\s/m);
});
