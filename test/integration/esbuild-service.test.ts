// The esbuild service (core/host/esbuild-service.ts) is a child process of the
// daemon that keeps the memory of every build: it stops once no build has run
// for a while, and a later reload starts it again.

import test from 'ava';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const plugin = (version: number) => `
import { definePlugin } from 'plugd/sdk';
const version: number = ${version};
export default definePlugin({ setup(ctx) { ctx.rpc.method('version', {}, () => version); } });
`;

/** The daemon's child processes named esbuild. */
function esbuildChildren(daemonPid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid ...`: comm may hold spaces, so read after its closing parenthesis.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === daemonPid && comm === 'esbuild') found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

test('the esbuild service stops when no build runs, and a reload starts it again', async (t) => {
  t.timeout(120_000);
  const daemon = await startDaemon(t, { plugins: { 'versioned.plugin.ts': plugin(1) } });
  t.is(await daemon.call('versioned.version'), 1);
  await until(
    async () => esbuildChildren(daemon.pid),
    (children) => children.length === 0,
  );
  writeFileSync(join(daemon.pluginDir, 'versioned.plugin.ts'), plugin(2));
  t.like(await daemon.call('plugins.reload', { name: 'versioned' }), { changed: true });
  t.is(await daemon.call('versioned.version'), 2, 'compiled by a new esbuild service');
  const after = await until(
    async () => esbuildChildren(daemon.pid),
    (children) => children.length === 0,
  );
  t.deepEqual(after, [], 'the new service stopped too once no build ran');
});
