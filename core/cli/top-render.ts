// One frame of `plugd top`, from a reading of the daemon's figures to lines:
// a pure function, so the live view, `--once` and the unit tests draw the
// same thing. Rows in trouble are highlighted; each row ends in a sparkline
// of its calls/s, on one scale for all rows so they compare.

import type { Figures } from '../contract/figures.js';
import { isServing, trouble } from '../contract/verdicts.js';
import { daemonSummary, lastErrorLines, PLUGIN_COLUMNS, pluginCells, troubleStyle } from './plugin-view.js';
import { sparkline } from './sparkline.js';
import { lineLength, renderTable, type Line, type Segment, type TableColumn } from './table.js';
import { SORT_COLUMNS, sortPlugins, type SortColumn } from './top-sort.js';

interface TopFrameOptions {
  sort: SortColumn;
  /** The terminal's size; without one (a pipe) nothing is cut and the sparkline has its default width. */
  width?: number;
  height?: number;
  /** The live view: say which keys work. */
  interactive: boolean;
}

/** Seconds of history in a sparkline: the daemon keeps 60. */
const SPARK_WIDTH = { min: 10, default: 30, max: 60 };

/** The keys of the live view that pick an order: each column's first letter. */
export const SORT_KEYS: Record<string, SortColumn> = Object.fromEntries(
  SORT_COLUMNS.map((column) => [column[0], column]),
);

export function renderTopFrame(figures: Figures, options: TopFrameOptions): Line[] {
  const { daemon, plugins, takenAt } = figures;
  const sorted = sortPlugins(plugins, options.sort, takenAt);
  const cells = sorted.map((plugin) => pluginCells(plugin, takenAt));
  const sparkWidth = fitSparkWidth(Math.max(0, ...renderTable(PLUGIN_COLUMNS, cells).map(lineLength)), options.width);
  const scale = Math.max(0, ...sorted.flatMap((plugin) => plugin.rateHistory.slice(-sparkWidth)));
  const columns: TableColumn[] = [...PLUGIN_COLUMNS, { header: `CALLS/S, LAST ${sparkWidth}s`, align: 'left' }];
  const rows = sorted.map((plugin, index) => {
    const row: Segment[] = [...cells[index], { text: sparkline(plugin.rateHistory, sparkWidth, scale), style: 'cyan' }];
    const highlight = troubleStyle(plugin, takenAt);
    return highlight ? row.map((cell) => ({ text: cell.text, style: highlight })) : row;
  });
  const [header, ...body] = renderTable(columns, rows, 'inverse');

  const clock = new Date(takenAt).toTimeString().slice(0, 8);
  const head: Line[] = [[...daemonSummary(daemon), { text: `  ${clock}` }], totalsLine(figures), [], header];
  const keys = options.interactive
    ? `  ·  keys: q quit, ${Object.keys(SORT_KEYS).join(' ')} sort by ${SORT_COLUMNS.join('/')}`
    : '';
  const footer: Line[] = [[], [{ text: `sorted by ${options.sort}${keys}`, style: 'dim' }]];
  const errors = lastErrorLines(sorted, takenAt);
  const tail: Line[] = errors.length > 0 ? [[], [{ text: 'last errors:' }], ...errors] : [];
  if (options.height === undefined) return [...head, ...body, ...tail, ...footer];

  const room = Math.max(1, options.height - head.length - footer.length);
  const more: Line = [{ text: `… ${body.length - room + 1} more`, style: 'dim' }];
  const shownRows = body.length <= room ? body : [...body.slice(0, room - 1), more];
  const shownTail = tail.slice(0, Math.max(0, room - shownRows.length));
  return [...head, ...shownRows, ...(shownTail.length > 2 ? shownTail : []), ...footer];
}

function fitSparkWidth(tableWidth: number, terminalWidth: number | undefined): number {
  if (terminalWidth === undefined) return SPARK_WIDTH.default;
  return Math.min(SPARK_WIDTH.max, Math.max(SPARK_WIDTH.min, terminalWidth - tableWidth - 2));
}

function totalsLine({ daemon, plugins, takenAt }: Figures): Line {
  const ready = plugins.filter(isServing).length;
  const troubled = plugins.filter((plugin) => trouble(plugin, takenAt) !== undefined).length;
  const restarts = plugins.reduce((total, plugin) => total + plugin.restarts, 0);
  return [
    { text: `plugins ${plugins.length}  ready ${ready}  ` },
    { text: `in trouble ${troubled}`, style: troubled > 0 ? ['red', 'bold'] : undefined },
    { text: `  calls/s ${daemon.callsPerSecond}  errors ${daemon.errors}  restarts ${restarts}` },
  ];
}
