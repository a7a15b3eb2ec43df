// The systemd units `plugd systemd` prints, and the templates in deploy/ that must agree with them.

import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  renderSystemdSocket,
  renderSystemdUnit,
  renderSystemdUnits,
  type UnitInstall,
} from '../../../core/cli/systemd-unit.js';

const INSTALL: UnitInstall = {
  node: '/usr/bin/node',
  cli: '/opt/plugd/dist/cli/plugd.js',
  home: '/var/lib/plugd',
  pluginDir: '/var/lib/plugd/plugins',
  homeExists: true,
  stopDeadlineMs: 30_000,
  user: 'plugd',
  userUnit: false,
};

/** The `Key=value` lines of a unit. */
const settings = (unit: string) => unit.split('\n').filter((line) => /^[A-Za-z]+=/.test(line));

test('systemd unit: foreground start, reload by SIGHUP, sandboxed, stop deadline above the drain', (t) => {
  const unit = renderSystemdUnit(INSTALL);
  for (const line of [
    'Type=notify',
    'NotifyAccess=all',
    'WatchdogSec=30',
    'ExecStart=/usr/bin/node /opt/plugd/dist/cli/plugd.js start --foreground --home /var/lib/plugd',
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=35',
    'User=plugd',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ReadWritePaths=/var/lib/plugd',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'WantedBy=multi-user.target',
  ]) {
    t.true(settings(unit).includes(line), line);
  }
  t.false(unit.includes('MemoryDenyWriteExecute=yes'), 'V8 needs W+X pages');
});

test('systemd unit: homes under /home stay reachable, odd paths are quoted, a plugin folder elsewhere stays read-only', (t) => {
  const unit = renderSystemdUnit({
    ...INSTALL,
    home: '/home/ann/my plugd%1',
    pluginDir: '/srv/plugins',
    user: undefined,
  });
  t.true(settings(unit).includes('ProtectHome=read-only'));
  t.true(
    settings(unit).includes('ReadWritePaths="/home/ann/my plugd%%1"'),
    'builds live in the home: the plugin folder is only read',
  );
  t.true(settings(unit).some((line) => line.endsWith('--home "/home/ann/my plugd%%1"')));
  t.false(
    settings(unit).some((line) => line.startsWith('User=')),
    'root runs as itself',
  );
});

test('systemd unit: a home under /tmp leaves PrivateTmp out and says why in the unit', (t) => {
  const unit = renderSystemdUnit({ ...INSTALL, home: '/tmp/trial/.plugd', pluginDir: '/tmp/trial/.plugd/plugins' });
  t.false(unit.includes('PrivateTmp=yes\n'));
  t.true(unit.includes('# PrivateTmp=yes is left out: it would hide /tmp/trial/.plugd behind a private /tmp.'), unit);
  t.true(unit.includes('ReadWritePaths=/tmp/trial/.plugd'));
});

test('systemd unit: a user unit keeps only what works without privileges', (t) => {
  const unit = renderSystemdUnit({ ...INSTALL, userUnit: true });
  t.true(settings(unit).includes('WantedBy=default.target'));
  t.true(settings(unit).includes('NoNewPrivileges=yes'));
  t.false(settings(unit).some((line) => /^(User|ProtectSystem|ReadWritePaths)=/.test(line)));
});

test('the template in deploy/ says what the generator says, but for the paths and the state directory', (t) => {
  const template = settings(readFileSync(new URL('../../../deploy/plugd.service', import.meta.url), 'utf8'));
  const generated = settings(renderSystemdUnit(INSTALL)).filter((line) => !line.startsWith('ExecStart='));
  t.deepEqual(
    generated.filter((line) => !template.includes(line)),
    [],
  );
});

test("systemd socket unit: the home's socket, named unix, owner only, the backlog plugd sets; both units print one after the other", (t) => {
  const socket = renderSystemdSocket(INSTALL);
  for (const line of [
    'ListenStream=/var/lib/plugd/plugd.sock',
    'FileDescriptorName=unix',
    'SocketMode=0600',
    'SocketUser=plugd',
    'Backlog=4096',
    'WantedBy=sockets.target',
  ]) {
    t.true(settings(socket).includes(line), line);
  }
  t.deepEqual(
    settings(readFileSync(new URL('../../../deploy/plugd.socket', import.meta.url), 'utf8')),
    settings(socket),
    'the template says what the generator says',
  );
  t.is(renderSystemdUnits(INSTALL), `### plugd.service\n${renderSystemdUnit(INSTALL)}\n### plugd.socket\n${socket}`);
});
