// HTTP on the control socket: JSON-RPC for curl, XML-RPC for existing
// XML-RPC clients (an unmodified Python xmlrpc.client). Newline JSON clients
// share the same socket unaffected.

import test from 'ava';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startDaemon } from '../helpers/daemon.js';

function post(socketPath: string, body: string, contentType = 'application/json', method = 'POST') {
  return new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
    const req = request({ socketPath, method, path: '/', headers: { 'content-type': contentType } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('POST JSON-RPC over HTTP on the unix socket, as curl --unix-socket does', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const status = await post(daemon.socket, '{"jsonrpc":"2.0","method":"daemon.status","id":1}');
  t.is(status.status, 200);
  t.is(status.type, 'application/json');
  t.is(JSON.parse(status.body).result.pid, daemon.pid);
  const batch = JSON.parse(
    (
      await post(
        daemon.socket,
        '[{"jsonrpc":"2.0","method":"echo.say","params":{"text":"a"},"id":1},{"jsonrpc":"2.0","method":"nope","id":2}]',
      )
    ).body,
  );
  t.deepEqual(
    batch.map((answer: any) => answer.result ?? answer.error.code),
    [{ text: 'a' }, -32601],
  );
  t.is(JSON.parse((await post(daemon.socket, '{nope')).body).error.code, -32700);
  t.is((await post(daemon.socket, '{"jsonrpc":"2.0","method":"daemon.status"}')).status, 204);
  t.is((await post(daemon.socket, '', 'text/plain', 'GET')).status, 405);
  // A newline-JSON client on the same socket is unaffected.
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
});

test('an unmodified XML-RPC client (Python xmlrpc.client) gets answers, faults and multicall', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const script = fileURLToPath(new URL('../fixtures/xmlrpc/client.py', import.meta.url));
  const output = await new Promise<string>((resolve, reject) =>
    execFile('python3', [script, daemon.socket], (error, stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(stdout),
    ),
  );
  const seen = JSON.parse(output);
  t.true(seen.methods.includes('echo.say'));
  t.deepEqual(seen.say, { text: 'hi from python' });
  t.is(seen.help, 'Answers with the text it was given.');
  t.is(seen.help_positional, 'Answers with the text it was given.');
  t.is(seen.signature_positional, 'echo.say');
  t.is(seen.worker_status, 'echo');
  t.deepEqual(seen.fault, [-32601, 'Method not found: no.such']);
  t.is(seen.invalid[0], -32602);
  t.deepEqual(seen.multicall, [
    [{ text: 'one' }],
    { faultCode: -32601, faultString: 'Method not found: no.such' },
    // echo.echo answers its params: the one positional param, a list.
    [[[1, 2.5, true, null, 'x', { k: [1] }]]],
  ]);
});

test('a malformed XML-RPC body is a parse fault, not a crash', async (t) => {
  const daemon = await startDaemon(t);
  const answer = await post(daemon.socket, 'this is not XML-RPC', 'text/xml');
  t.is(answer.status, 200);
  t.regex(answer.body, /<name>faultCode<\/name><value><int>-32700<\/int>/);
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
});

test('a body over the limit is answered 413, then the connection closes', async (t) => {
  const daemon = await startDaemon(t);
  const body = `{"jsonrpc":"2.0","method":"echo","params":["${'x'.repeat(2 * 1024 * 1024)}"],"id":1}`;
  const head = `POST / HTTP/1.1\r\nHost: plugd\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    const socket = connect(daemon.socket, () => socket.write(head + body));
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', () => undefined); // The daemon stops reading: the rest of the body may not be taken.
    socket.on('close', () => resolve(text));
  });
  t.regex(answer, /^HTTP\/1\.1 413 /);
  t.regex(answer, /request body too large/);
  t.is((await daemon.call('daemon.status')).pid, daemon.pid);
});
