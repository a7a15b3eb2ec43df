// A plugin that logs far faster than the limit: the daemon writes a bounded
// number of its lines, drops the rest, and says how many it dropped.

import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLog } from '../../../core/observe/log.js';
import { LogRateLimit } from '../../../core/observe/log-rate.js';
import { until } from '../../helpers/until.js';

test('150,000 1 KB lines at once: a burst is written, the rest dropped and counted in one record', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugd-log-rate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'plugd.log');
  const log = openLog({ path, stdout: false, pluginLinesPerSecond: 100 });
  const write = log.pluginWriter('chatty');
  const line = JSON.stringify({ level: 30, plugin: 'chatty', msg: 'x'.repeat(1000) });
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 0; i < 150_000; i++) write(line);
  const refilled = Math.ceil(((performance.now() - started) / 1000) * 100);
  t.true(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024, 'the dropped lines are not held');
  log.pluginWriter('quiet')('{"plugin":"quiet","msg":"hello"}');

  const records = await until(
    async () => {
      log.flush();
      return readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text));
    },
    (lines) => lines.some((record) => record.dropped !== undefined),
  );
  const written = records.filter((record) => record.plugin === 'chatty' && record.dropped === undefined);
  t.true(written.length <= 100 + refilled, `${written.length} lines written`);
  t.true(written.length >= 100);
  const report = records.find((record) => record.dropped !== undefined);
  t.is(report.plugin, 'chatty');
  t.is(report.dropped + written.length, 150_000);
  t.regex(report.msg, /chatty: dropped \d+ log lines/);
  t.truthy(
    records.find((record) => record.plugin === 'quiet'),
    "one plugin's flood does not silence another",
  );
});

test('the limit refills with time, and a line over the size bound is dropped', (t) => {
  let now = 0;
  const written: string[] = [];
  const limit = new LogRateLimit({
    perSecond: 10,
    maxLineBytes: 100,
    write: (line) => written.push(line),
    reportDropped: () => undefined,
    now: () => now,
  });
  for (let i = 0; i < 20; i++) limit.offer('a');
  t.is(written.length, 10);
  now = 500;
  for (let i = 0; i < 20; i++) limit.offer('b');
  t.is(written.length, 15);
  now = 5000;
  limit.offer('x'.repeat(101));
  t.is(written.length, 15);
});
