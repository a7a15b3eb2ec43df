// upgrade.p50/p95: `plugd upgrade` of a detached daemon with ten plugins, from
// the command to the successor answering a call to every plugin (beside
// start.10plugins: a successor loads what a cold start loads). upgrade.gap.max:
// the longest time without an answer seen by 8 clients (4 connecting per call,
// 4 persistent, resending a request whose connection ended unanswered)
// calling the stateful counter across upgrades (beside reload.p95);
// upgrade.refused: their connects refused or finding no socket (must be 0).

import { RpcClient } from '../core/cli/client.js';
import { hammer } from '../test/helpers/hammer.js';
import { percentileResults, sampleMs } from './harness.js';
import { tenPlugins } from './plugins.js';
import type { BenchResult } from './result.js';
import { inDetachedHome, runPlugd } from './start.js';

const SAMPLES = 8;
const UPGRADES_UNDER_LOAD = 3;

export async function benchUpgrade(): Promise<BenchResult[]> {
  const ten = tenPlugins();
  return inDetachedHome({ examples: true, plugins: ten.files }, async (home) => {
    await runPlugd(['start', '--home', home.home]);
    const latency = await sampleMs(SAMPLES, async () => {
      const started = performance.now();
      await runPlugd(['upgrade', '--home', home.home]);
      const client = await RpcClient.connect(home.socket);
      try {
        await Promise.all(ten.probes.map((probe) => client.call(probe.method, probe.params)));
      } finally {
        client.close();
      }
      return performance.now() - started;
    });
    console.log(
      `  upgrade: ${SAMPLES} upgrades with 10 plugins, ${latency.ms(0).toFixed(0)}–${latency.ms(100).toFixed(0)} ms`,
    );

    const load = hammer(home.socket, 'counter.count', { perCall: 4, persistent: 4 });
    for (let index = 0; index < UPGRADES_UNDER_LOAD; index++) await runPlugd(['upgrade', '--home', home.home]);
    const report = await load.stop();
    const refused = Object.values(report.refused).reduce((sum, count) => sum + count, 0);
    console.log(
      `  under load: ${UPGRADES_UNDER_LOAD} upgrades, ${report.results.length} answers, ${report.errors.length} errors, ${report.resent} resent, ${refused} refused`,
    );
    await runPlugd(['stop', '--home', home.home]);
    return [
      ...percentileResults(latency, { 'upgrade.p50': 50, 'upgrade.p95': 95 }),
      { name: 'upgrade.gap.max', value: Math.round(report.maxGapMs * 10) / 10, unit: 'ms' },
      { name: 'upgrade.refused', value: refused, unit: 'connects' },
    ];
  });
}
