// A user's first day (issue 22, item 15): `plugd stop` says what it waits for,
// `plugd dev` on a folder that is no plugin stops at once and leaves nothing
// behind, and the plugin template's README links only to what exists.

import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, runCli, startDaemon } from '../helpers/daemon.js';

const slowShutdown = `
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  setup(ctx) {
    ctx.rpc.method('ping', {}, () => 'pong');
    ctx.onShutdown(() => new Promise((done) => setTimeout(done, 4000)));
  },
});
`;

test('plugd stop names the plugin it waits for, and what for, then says it stopped', async (t) => {
  const daemon = await startDaemon(t, { plugins: { 'slow.plugin.js': slowShutdown } });
  t.is(await daemon.call('slow.ping'), 'pong');
  const stopped = await runCli(['--home', daemon.home, 'stop']);
  t.is(stopped.code, 0, stopped.stderr);
  t.is(stopped.stdout, `waiting for plugin slow (onShutdown)\nplugd stopped (pid ${daemon.pid})\n`);
  t.is(await daemon.exited, 0);
});

test('plugd dev on a folder that is no plugin exits 1 with the reason and leaves no .plugd-dev behind', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'plugd-dev-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(join(folder, 'notes.txt'), 'not a plugin\n');
  const dev = await runCli(['dev', folder]);
  t.is(dev.code, 1);
  t.is(dev.stderr, `${folder} is not a plugin: folder without package.json\n`);
  t.false(existsSync(join(folder, '.plugd-dev')));

  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'nope' }));
  const noField = await runCli(['dev', folder]);
  t.is(noField.code, 1);
  t.regex(noField.stderr, /is not a plugin: package.json has no "plugd" field/);
  t.false(existsSync(join(folder, '.plugd-dev')));
});

test("the plugin template's README links only to files that exist once the plugin is installed", (t) => {
  const readme = readFileSync(join(ROOT, 'plugin-template', 'README.md'), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1]);
  t.true(links.length > 0);
  for (const link of links) {
    t.false(
      /^[a-z]+:/.test(link),
      `${link}: no address outside the plugin (it cannot be checked, and npm's page may not exist)`,
    );
    // After `npm install`, node_modules/plugd is this plugd (the template's file: dependency).
    const target = link.startsWith('node_modules/plugd/')
      ? join(ROOT, link.slice('node_modules/plugd/'.length))
      : resolve(ROOT, 'plugin-template', link);
    t.true(existsSync(target.replace(/#.*$/, '')), link);
  }
});
