// `plugd upgrade` (daemon.upgrade): a successor on the same listening sockets
// takes over while clients hammer the socket; a failed successor leaves the
// old daemon serving; the old daemon's connections end within its drain
// deadline; under systemd the successor says MAINPID=. Serial: each test
// runs two daemons at once, on a machine with few cores.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { EXAMPLE_PLUGINS, makeHome, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { cleanUpDaemonOf } from '../helpers/detached-daemon.js';
import { hammer, type HammerReport } from '../helpers/hammer.js';
import { listenForNotifications } from '../helpers/notify-socket.js';
import { until } from '../helpers/until.js';
import { isProcessAlive } from '../../core/home/process-alive.js';
import { loadShm } from '../../core/channel/shm.js';

/** A counter whose every increment answers the new value; its count crosses reloads and upgrades. */
const TALLY = `
import { definePlugin } from 'plugd/sdk';
let count = 0;
export default definePlugin<unknown, number>({
  name: 'tally',
  setup(ctx) {
    ctx.rpc.method('incr', {}, () => ++count);
    ctx.rpc.method('get', {}, () => count);
  },
  snapshot: () => count,
  restore: (state) => {
    count = state;
  },
});
`;

/** Loads in the old daemon, fails in a successor once \`refuse\` exists in the home. */
const FLAKY = `
import { existsSync } from 'node:fs';
import { definePlugin } from 'plugd/sdk';
export default definePlugin({
  name: 'flaky',
  setup(ctx) {
    const refuse = (ctx.config as { refuse?: string } | undefined)?.refuse;
    if (refuse && existsSync(refuse)) throw new Error('refusing to load: the refuse file exists');
    ctx.rpc.method('ok', {}, () => true);
  },
});
`;

const ECHO = readFileSync(join(EXAMPLE_PLUGINS, 'echo.plugin.ts'), 'utf8');

/** The ten upgrades, under load. */
const UPGRADES = 10;

async function upgrade(daemon: TestDaemon, ...args: string[]) {
  return runCli(['--home', daemon.home, 'upgrade', ...args]);
}

const pidOf = (daemon: TestDaemon) => Number(readFileSync(daemon.pidfile, 'utf8'));

test.serial(
  `${UPGRADES} upgrades under 4 connect-per-call and 4 persistent clients: new pids, nothing refused, every request answered once, the counter kept`,
  async (t) => {
    t.timeout(180_000);
    const daemon = await startDaemon(t, { plugins: { 'tally.plugin.ts': TALLY } });
    cleanUpDaemonOf(t, daemon.home);
    const load = hammer(daemon.socket, 'tally.incr', { perCall: 4, persistent: 4 });
    const pids = [daemon.pid];
    let report: HammerReport;
    try {
      for (let round = 0; round < UPGRADES; round++) {
        const before = load.answered;
        await until(
          async () => load.answered,
          (answered) => answered > before + 50,
        ); // Calls flow before each upgrade.
        const upgraded = await upgrade(daemon);
        t.is(upgraded.code, 0, upgraded.stderr);
        t.regex(
          upgraded.stdout,
          /^successor started \(pid \d+\).*\n\d+ plugins loaded .*\nstate carried for 1 .*\nold daemon draining .*\ndone in \d+ ms/m,
        );
        pids.push(pidOf(daemon));
      }
      const after = load.answered;
      await until(
        async () => load.answered,
        (answered) => answered > after + 50,
      );
    } finally {
      report = await load.stop();
    }
    t.log(
      `${report!.results.length} increments answered, ${report!.resent} resent after end-of-file, longest gap ${Math.round(report!.maxGapMs)} ms`,
    );
    t.is(new Set(pids).size, UPGRADES + 1, `a new pid each time: ${pids.join(', ')}`);
    for (const old of pids.slice(0, -1))
      await until(
        async () => isProcessAlive(old),
        (alive) => !alive,
      );
    t.deepEqual(report!.refused, {}, 'no connect refused or without a socket');
    t.deepEqual(report!.errors, [], 'no error answers');
    const values = report!.results as number[];
    t.is(new Set(values).size, values.length, 'no value handed out twice: each answered request ran once');
    const status = await runCli(['--home', daemon.home, 'call', 'tally.get']);
    t.is(Number(status.stdout), values.length, 'the counter equals the increments answered');
    const final = JSON.parse((await runCli(['--home', daemon.home, 'status', '--json'])).stdout);
    t.is(final.upgrades, UPGRADES);
    t.is(final.upgradedFrom.pid, pids[UPGRADES - 1]);
    t.false(Number.isNaN(Date.parse(final.startedAt)));
    await runCli(['--home', daemon.home, 'stop']);
  },
);

test.serial(
  'a broken plugd.json, a successor that exits, a plugin that fails only in the successor: exit 1 with the reason, the old pid serves, no call fails',
  async (t) => {
    t.timeout(180_000);
    const daemon = await startDaemon(t, { plugins: { 'flaky.plugin.ts': FLAKY } });
    cleanUpDaemonOf(t, daemon.home);
    const refuse = join(daemon.home, 'refuse');
    writeFileSync(join(daemon.home, 'plugd.json'), JSON.stringify({ plugins: { flaky: { config: { refuse } } } }));
    await daemon.call('daemon.reload');
    const load = hammer(daemon.socket, 'flaky.ok', { perCall: 2, persistent: 2 });
    let report: HammerReport;
    try {
      writeFileSync(join(daemon.home, 'plugd.json'), '{ "watch": ');
      const broken = await upgrade(daemon);
      t.is(broken.code, 1);
      t.regex(
        broken.stderr,
        /upgrade failed \(load\): .*plugd\.json: not valid JSON.*the old daemon \(pid \d+\) serves on/,
      );

      writeFileSync(join(daemon.home, 'plugd.json'), JSON.stringify({ plugins: { flaky: { config: { refuse } } } }));
      const script = join(daemon.home, 'exits.js');
      writeFileSync(script, 'process.exit(3);\n');
      const exits = await upgrade(daemon, '--entry', script);
      t.is(exits.code, 1);
      t.regex(exits.stderr, /upgrade failed \(load\): the successor exited \(code 3\)/);

      writeFileSync(refuse, '');
      const failing = await upgrade(daemon);
      t.is(failing.code, 1);
      t.regex(failing.stderr, /did not load in the successor \(flaky: .*refusing to load/);
      t.is(pidOf(daemon), daemon.pid);
      t.is((await daemon.call('daemon.status')).pid, daemon.pid);
    } finally {
      report = await load.stop();
    }
    t.true(report!.results.length > 0);
    t.deepEqual(report!.errors, []);
    t.deepEqual(report!.refused, {});
    t.is(report!.resent, 0, 'the old daemon never drained');
  },
);

test.serial(
  'the drain: a call in flight is answered, then its connection ends; a silent connection ends within drainTimeoutMs + 1 s',
  async (t) => {
    t.timeout(120_000);
    const drainTimeoutMs = 2000;
    const daemon = await startDaemon(t, {
      plugins: { 'echo.plugin.ts': ECHO },
      config: { upgrade: { drainTimeoutMs } },
    });
    cleanUpDaemonOf(t, daemon.home);
    const silent = connect(daemon.socket);
    silent.on('error', () => undefined);
    const talking = connect(daemon.socket);
    talking.setEncoding('utf8');
    let heard = '';
    talking.on('data', (chunk) => (heard += chunk));
    talking.write('{"jsonrpc":"2.0","id":1,"method":"echo.say","params":{"text":"before"}}\n');
    await until(
      async () => heard,
      (text) => text.includes('before'),
    );
    const silentClosed = new Promise<number>((resolve) => silent.once('close', () => resolve(performance.now())));
    const talkingClosed = new Promise<void>((resolve) => talking.once('close', () => resolve()));
    const upgraded = await upgrade(daemon);
    t.is(upgraded.code, 0, upgraded.stderr);
    const returned = performance.now();
    await talkingClosed;
    t.is(heard.split('\n').filter(Boolean).length, 1, 'the connection ended after its last answer');
    const closedAt = await silentClosed;
    t.true(
      closedAt - returned < drainTimeoutMs + 1000,
      `the silent connection ended ${Math.round(closedAt - returned)} ms after the upgrade returned`,
    );
    t.is(await daemon.exited, 0, 'the old daemon exits 0 once drained');
    await runCli(['--home', daemon.home, 'stop']);
  },
);

(loadShm() ? test.serial : test.skip)(
  `${loadShm() ? '' : '(skipped: the sab-shm addon is not built) '}under NOTIFY_SOCKET the successor says MAINPID= (its pid) and READY=1`,
  async (t) => {
    t.timeout(120_000);
    const notify = await listenForNotifications(t, makeHome(t).home);
    const watched = await startDaemon(t, { env: { NOTIFY_SOCKET: notify.path } });
    cleanUpDaemonOf(t, watched.home);
    await notify.waitFor((line) => line === 'READY=1');
    const upgraded = await upgrade(watched);
    t.is(upgraded.code, 0, upgraded.stderr);
    const successor = pidOf(watched);
    const message = await notify.waitFor((line) => line === `MAINPID=${successor}`);
    t.true(message.includes('READY=1'), message.join(' | '));
    t.false(
      notify.messages.some((lines) => lines.includes('STOPPING=1')),
      'the old daemon does not tell systemd the service stops',
    );
    await runCli(['--home', watched.home, 'stop']);
    await notify.waitFor((line) => line === 'STOPPING=1');
  },
);

const hasSs = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The Send-Q column of `ss -xl` for a listening unix socket: its backlog. */
const backlogOf = (home: string) =>
  execFileSync('ss', ['-xlH'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`${home}/plugd.sock`))
    .map((line) => Number(line.trim().split(/\s+/)[3]));

(hasSs ? test.serial : test.skip)(
  `${hasSs ? '' : '(skipped: ss is not installed) '}the listen backlog and the TCP listener stay what the first daemon set; a dashboard /events stream ends and reconnects to the successor`,
  async (t) => {
    t.timeout(120_000);
    const daemon = await startDaemon(t, { args: ['--tcp', '127.0.0.1:0'] });
    cleanUpDaemonOf(t, daemon.home);
    const before = backlogOf(daemon.home);
    const { tcp } = await daemon.call('daemon.status');
    const events = () =>
      fetch(`http://${tcp}/events`, {
        headers: { authorization: `Bearer ${readFileSync(join(daemon.home, 'token'), 'utf8').trim()}` },
      });
    const stream = (await events()).body!.getReader();
    t.regex(new TextDecoder().decode((await stream.read()).value), /retry: 1000/);
    const upgraded = await upgrade(daemon);
    t.is(upgraded.code, 0, upgraded.stderr);
    await daemon.exited;
    // The old daemon ended its dashboard stream; a browser reconnects, to the successor.
    while (!(await stream.read()).done);
    const again = (await events()).body!.getReader();
    t.regex(new TextDecoder().decode((await again.read()).value), /retry: 1000/);
    await again.cancel();
    t.deepEqual(backlogOf(daemon.home), before);
    t.is(before.length, 1);
    const status = JSON.parse((await runCli(['--home', daemon.home, 'status', '--json'])).stdout);
    t.is(status.tcp, tcp);
    t.is(
      JSON.parse((await runCli(['--home', daemon.home, 'call', 'daemon.status', '--tcp', tcp])).stdout).pid,
      pidOf(daemon),
    );
    await runCli(['--home', daemon.home, 'stop']);
  },
);

test.serial(
  'a stateful plugin in a process of its own restarts in the successor, in a new process, from its snapshot',
  async (t) => {
    t.timeout(120_000);
    const daemon = await startDaemon(t, { plugins: { 'tally.plugin.ts': TALLY }, config: { isolation: 'process' } });
    cleanUpDaemonOf(t, daemon.home);
    for (let i = 0; i < 3; i++) await daemon.call('tally.incr');
    const [before] = await daemon.call('plugins.list');
    const upgraded = await upgrade(daemon);
    t.is(upgraded.code, 0, upgraded.stderr);
    t.regex(upgraded.stdout, /^state carried for 1 /m);
    const [after] = JSON.parse((await runCli(['--home', daemon.home, 'call', 'plugins.list'])).stdout);
    t.is(after.isolation, 'process');
    t.not(after.pid, before.pid);
    t.is((await runCli(['--home', daemon.home, 'call', 'tally.get'])).stdout.trim(), '3');
    await runCli(['--home', daemon.home, 'stop']);
  },
);
