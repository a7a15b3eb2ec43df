// Every duration in plugd.json is at most 2^31 - 1 ms: a longer one would make
// Node's timers fire after 1 ms (every connection closed at once, every
// plugin failed). The schema refuses it, naming the key. Also the keys of
// activation and isolation, at the top and per plugin.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfigFile, type ConfigFile } from '../../../core/config/config.js';

const parse = (config: object) => () => parseConfigFile(JSON.stringify(config), 'plugd.json');

test('durations above 2147483647 ms are refused with the key that holds them', (t) => {
  const thirtyDays = 2_592_000_000;
  const cases: Array<[object, string]> = [
    [{ limits: { idleTimeoutMs: thirtyDays } }, 'config.limits.idleTimeoutMs'],
    [{ limits: { slowReaderGraceMs: thirtyDays } }, 'config.limits.slowReaderGraceMs'],
    [{ limits: { authTimeoutMs: thirtyDays } }, 'config.limits.authTimeoutMs'],
    [{ supervision: { callTimeoutMs: thirtyDays } }, 'config.supervision.callTimeoutMs'],
    [{ supervision: { restart: { maxDelayMs: thirtyDays } } }, 'config.supervision.restart.maxDelayMs'],
    [
      { plugins: { echo: { supervision: { loadTimeoutMs: thirtyDays } } } },
      'config.plugins.echo.supervision.loadTimeoutMs',
    ],
    [{ dashboard: { sessionIdleMs: thirtyDays } }, 'config.dashboard.sessionIdleMs'],
    [{ upgrade: { drainTimeoutMs: thirtyDays } }, 'config.upgrade.drainTimeoutMs'],
  ];
  for (const [config, key] of cases) {
    t.throws(parse(config), { message: new RegExp(`${key.replaceAll('.', '\\.')} must be <= 2147483647`) }, key);
  }
});

test('2147483647 ms itself is accepted', (t) => {
  t.notThrows(parse({ limits: { idleTimeoutMs: 2_147_483_647 }, supervision: { drainTimeoutMs: 2_147_483_647 } }));
});

test('the edge keys are in the schema: tcpTls, loadPaths, the unauthenticated limits', (t) => {
  t.notThrows(
    parse({
      tcpTls: { cert: 'cert.pem', key: 'key.pem', ca: 'ca.pem' },
      loadPaths: ['/srv/plugins'],
      limits: { authTimeoutMs: 10000, maxUnauthenticatedConnections: 64, pluginLogLinesPerSecond: 100 },
    }),
  );
  t.throws(parse({ tcpTls: { cert: 'cert.pem' } }), { message: /tcpTls/ });
});

test('the schema caps and dashboard.sessionIdleMs are in the schema; an unknown dashboard key is refused', (t) => {
  t.notThrows(
    parse({
      limits: { maxMethodsPerPlugin: 50, maxSchemaBytes: 4096, maxSchemaDepth: 8 },
      dashboard: { sessionIdleMs: 60_000 },
    }),
  );
  t.throws(parse({ limits: { maxSchemaBytes: 10 } }), { message: /maxSchemaBytes/ });
  t.throws(parse({ dashboard: { sessionIdle: 1 } }), { message: /sessionIdle/ });
});

test('upgrade takes drainTimeoutMs and readyTimeoutMs, nothing else', (t) => {
  t.notThrows(parse({ upgrade: { drainTimeoutMs: 5000, readyTimeoutMs: 60000 } }));
  t.throws(parse({ upgrade: { drainMs: 5000 } }), { message: /upgrade/ });
});

test('the config takes activation at the top and per plugin, with idleStopMs; eager is the default', (t) => {
  t.notThrows(parse({ activation: 'onCall', plugins: { p: { activation: 'eager', idleStopMs: 1000 } } }));
  t.throws(parse({ activation: 'lazy' }), { message: /config\.activation/ });
  t.throws(parse({ plugins: { p: { idleStopMs: 0 } } }), { message: /config\.plugins\.p\.idleStopMs/ });
  const home = mkdtempSync(join(tmpdir(), 'plugd-activation-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  t.is(loadConfig({ home, file: {} }).activation, 'eager');
});

const config = (file: ConfigFile) => loadConfig({ home: tmpdir(), file });

test('the config takes isolation, user, group and env, and refuses what it does not know', (t) => {
  const file: ConfigFile = {
    isolation: 'auto',
    plugins: { p: { isolation: 'process', user: 'nobody', group: 65534, env: { A: 'b' } } },
  };
  t.like(config(file).plugins.p, { user: 'nobody', group: 65534, env: { A: 'b' } });
  t.is(config({}).isolation, 'auto');
  t.throws(() => parseConfigFile(JSON.stringify({ isolation: 'vm' }), 'plugd.json'));
  t.throws(() => parseConfigFile(JSON.stringify({ plugins: { p: { usr: 'nobody' } } }), 'plugd.json'), {
    message: /usr/,
  });
});
