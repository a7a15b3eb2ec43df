// Which keys of a re-read plugd.json apply in place and which wait for a
// restart (core/config/config-changes.ts): the latter keep their running value.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigFile } from '../../../core/config/config.js';
import { reconcileConfig } from '../../../core/config/config-changes.js';

function configs(t: ExecutionContext, before: ConfigFile, after: ConfigFile) {
  const home = mkdtempSync(join(tmpdir(), 'plugd-config-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const saved = process.env.PLUGD_LOG_LEVEL;
  delete process.env.PLUGD_LOG_LEVEL;
  t.teardown(() => {
    if (saved !== undefined) process.env.PLUGD_LOG_LEVEL = saved;
  });
  return [loadConfig({ home, file: before }), loadConfig({ home, file: after })] as const;
}

test('an unchanged file changes nothing', (t) => {
  const [current, next] = configs(
    t,
    { tcp: '127.0.0.1:1', plugins: { a: { config: { n: 1 } } } },
    { tcp: '127.0.0.1:1', plugins: { a: { config: { n: 1 } } } },
  );
  t.deepEqual(reconcileConfig(current, next).changes, { applied: [], needsRestart: [] });
});

test('the log level, log rate, plugin folder, watch and per-plugin settings apply in place', (t) => {
  const [current, next] = configs(
    t,
    {},
    {
      logLevel: 'warn',
      watch: true,
      pluginDir: 'elsewhere',
      isolation: 'process',
      limits: { pluginLogLinesPerSecond: 5, maxInFlightPerPlugin: 9 },
      plugins: { a: {} },
    },
  );
  const { config, changes } = reconcileConfig(current, next);
  t.deepEqual(changes, {
    applied: [
      'isolation',
      'limits.maxInFlightPerPlugin',
      'limits.pluginLogLinesPerSecond',
      'logLevel',
      'pluginDir',
      'plugins',
      'watch',
    ],
    needsRestart: [],
  });
  t.deepEqual(config, next);
});

test('listeners, TLS, metrics, niceness, spare workers and connection limits need a restart and keep their running value', (t) => {
  const [current, next] = configs(
    t,
    { tcp: '127.0.0.1:1' },
    {
      tcp: '127.0.0.1:2',
      tcpAllowRemote: true,
      tcpTls: { cert: 'c.pem', key: 'k.pem' },
      metrics: '127.0.0.1:3',
      niceness: 5,
      spareWorker: false,
      limits: { maxLineBytes: 2048, authTimeoutMs: 5 },
      logLevel: 'debug',
    },
  );
  const { config, changes } = reconcileConfig(current, next);
  t.deepEqual(changes, {
    applied: ['logLevel'],
    needsRestart: [
      'limits.authTimeoutMs',
      'limits.maxLineBytes',
      'metrics',
      'niceness',
      'spareWorker',
      'tcp',
      'tcpAllowRemote',
      'tcpTls',
    ],
  });
  t.deepEqual(config, { ...current, logLevel: 'debug' });
});
