// TLS on the TCP listener (`tcpTls`), mutual TLS with a `ca`: `plugd call
// --tcp` works over it with the right certificates, and nothing else gets in.
// The certificates are made with openssl for each run.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawSocket } from '../helpers/raw-socket.js';
import { runCli, startDaemon } from '../helpers/daemon.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const openssl = hasOpenssl();
const tlsTest = openssl ? test : test.skip;
const skipped = openssl ? '' : ' (skipped: openssl is not installed)';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by the CA. */
function makeCertificates(
  t: ExecutionContext,
): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=plugd test CA',
  );
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ]) {
    writeFileSync(file(`${name}.ext`), `${extension}\n`);
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=plugd test ${name}`,
    );
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}

async function tlsDaemon(t: ExecutionContext, tcpTls: object) {
  const daemon = await startDaemon(t, { examples: true, config: { tcpTls }, args: ['--tcp', '127.0.0.1:0'] });
  const address = (await daemon.call('daemon.status')).tcp as string;
  const call = (...flags: string[]) =>
    runCli(['--home', daemon.home, 'call', '--tcp', address, ...flags, 'echo.say', '{"text":"tls"}']);
  return { daemon, address, call };
}

tlsTest(
  `mutual TLS: plugd call --tcp gets in with a client certificate the ca signed, and nothing else does${skipped}`,
  async (t) => {
    const certs = makeCertificates(t);
    const { address, call } = await tlsDaemon(t, { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca });
    const served = await call('--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey);
    t.is(served.code, 0, served.stderr);
    t.deepEqual(JSON.parse(served.stdout), { text: 'tls' });

    t.is((await call('--tls-ca', certs.ca)).code, 1, 'no client certificate');
    t.is(
      (await call('--tls-cert', certs.clientCert, '--tls-key', certs.clientKey)).code,
      1,
      'the server certificate is not trusted',
    );
    const plain = await RawSocket.open({ host: '127.0.0.1', port: Number(address.split(':')[1]) });
    t.teardown(() => plain.close());
    plain.send('{"jsonrpc":"2.0","method":"daemon.status","id":1}\n');
    await t.throwsAsync(plain.read(1), { message: /closed/ }, 'plain TCP gets nothing');
  },
);

tlsTest(`TLS without a ca: any client that trusts the certificate gets in with the token${skipped}`, async (t) => {
  const certs = makeCertificates(t);
  const { call } = await tlsDaemon(t, { cert: certs.serverCert, key: certs.serverKey });
  const served = await call('--tls-ca', certs.ca);
  t.is(served.code, 0, served.stderr);
  t.deepEqual(JSON.parse(served.stdout), { text: 'tls' });
  t.is((await call()).code, 1, 'plain TCP against a TLS listener');
});

tlsTest(
  `the dashboard over TLS: plugd dashboard prints an https URL, and the page trades its token for a session there${skipped}`,
  async (t) => {
    const certs = makeCertificates(t);
    const { daemon } = await tlsDaemon(t, { cert: certs.serverCert, key: certs.serverKey });
    const printed = await runCli(['--home', daemon.home, 'dashboard']);
    t.is(printed.code, 0, printed.stderr);
    const url = new URL(printed.stdout.trim());
    t.is(url.protocol, 'https:');
    const token = url.hash.slice('#token='.length);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers = { authorization: `Bearer ${token}`, origin: url.origin };
      const outgoing = httpsRequest(
        new URL('/login', url),
        { method: 'POST', headers, ca: readFileSync(certs.ca) },
        (incoming) => {
          let body = '';
          incoming.on('data', (chunk) => (body += chunk));
          incoming.on('end', () => resolve({ status: incoming.statusCode!, body }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
    t.is(answer.status, 200);
    t.regex(JSON.parse(answer.body).session, /^[\w-]{40,}$/);
  },
);
