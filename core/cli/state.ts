// `plugd state [PLUGIN] [--clear] [--json]`: the plugins' state kept in the
// home across a stop (core/host/state-store.ts). It reads and removes files,
// so it works whether or not the daemon runs; a running daemon writes a
// running plugin's state again at its next stop, and the command says so.

import { homePaths } from '../home/paths.js';
import { readPid } from '../home/pidfile.js';
import { isPlugdProcess } from '../home/plugd-process.js';
import { StateStore, type KeptState } from '../host/state-store.js';
import { withoutColour } from './colour.js';
import { printJson } from './output.js';
import { paintLines, renderTable } from './table.js';

export interface StateFlags {
  clear?: boolean;
  json?: boolean;
}

export async function state(home: string, plugin: string | undefined, flags: StateFlags): Promise<void> {
  const store = StateStore.ofHome(home);
  const kept = store.list().filter((entry) => plugin === undefined || entry.plugin === plugin);
  if (flags.clear) {
    const cleared = kept.map((entry) => entry.plugin);
    for (const name of cleared) store.remove(name);
    if (flags.json) printJson({ cleared });
    else
      process.stdout.write(
        cleared.length === 0
          ? `${noState(plugin)}\n`
          : cleared.map((name) => `cleared the state of ${name}\n`).join(''),
      );
    if (!flags.json && (await daemonRuns(home))) {
      process.stdout.write("the daemon is running: a running plugin's state is written again at its next stop\n");
    }
    return;
  }
  if (flags.json) printJson(kept);
  else process.stdout.write(formatKept(kept, plugin));
}

function formatKept(kept: KeptState[], plugin: string | undefined): string {
  if (kept.length === 0) return `${noState(plugin)}\n`;
  const columns = [
    { header: 'PLUGIN', align: 'left' as const },
    { header: 'BYTES', align: 'right' as const },
    { header: 'SAVED AT', align: 'left' as const },
  ];
  const rows = kept.map((entry) => [entry.plugin, String(entry.bytes), entry.savedAt].map((text) => ({ text })));
  return paintLines(renderTable(columns, rows), withoutColour);
}

const noState = (plugin: string | undefined) =>
  plugin === undefined ? 'no state kept' : `no state kept for ${plugin}`;

async function daemonRuns(home: string): Promise<boolean> {
  const paths = homePaths(home);
  const pid = readPid(paths.pidfile);
  return pid !== undefined && (await isPlugdProcess(pid, paths.socket));
}
