// The commands that show the daemon's state: `status` and `top`.

import { InvalidArgumentError, type Command } from 'commander';
import { printJson } from './output.js';
import { formatStatus } from './format.js';
import { paintFor } from './colour.js';
import { readFigures } from './daemon-figures.js';
import { isSortColumn, SORT_COLUMNS, type SortColumn } from './top-sort.js';
import { clientCommand, withClient } from './client-command.js';

function parseSortColumn(value: string): SortColumn {
  if (!isSortColumn(value))
    throw new InvalidArgumentError(`--sort takes one of ${SORT_COLUMNS.join(', ')}, not "${value}"`);
  return value;
}

function parseInterval(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100)
    throw new InvalidArgumentError(`--interval takes a whole number of ms, at least 100, not "${value}"`);
  return ms;
}

/** Adds `status` and `top` to the program. */
export function registerViewCommands(program: Command): void {
  clientCommand(program, 'status', "the daemon's status and its plugins")
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }, command: Command) =>
      withClient(command, async (client) => {
        if (options.json) {
          const [status, plugins] = await Promise.all([client.call('daemon.status'), client.call('plugins.list')]);
          printJson({ ...(status as object), plugins });
        } else {
          process.stdout.write(formatStatus(await readFigures(client), paintFor(process.stdout)));
        }
      }),
    );

  clientCommand(
    program,
    'top',
    'a live view of the plugins: state, calls/s, latency, errors, restarts, memory (q to quit)',
  )
    .option('--sort <column>', `order by ${SORT_COLUMNS.join(', ')}`, parseSortColumn, 'state')
    .option('--interval <ms>', 'time between refreshes', parseInterval, 1000)
    .option('--once', 'print one frame and exit (no escape codes unless on a terminal)')
    .option('--json', "one frame's figures as JSON, and exit")
    .action(async (options: { sort: SortColumn; interval: number; once?: boolean; json?: boolean }, command: Command) =>
      withClient(command, async (client) => {
        if (options.json) return printJson(await readFigures(client));
        const { top } = await import('./top.js');
        await top(client, { sort: options.sort, intervalMs: options.interval, once: Boolean(options.once) });
      }),
    );
}
