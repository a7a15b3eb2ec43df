// Text tables for the CLI's views. A line is a list of segments, each with an
// optional style, so widths are measured and lines cut to the terminal on
// plain text, and colour is applied last (or not at all).

import type { Paint, Style } from './colour.js';

export interface Segment {
  text: string;
  style?: Style;
}

export type Line = Segment[];

export interface TableColumn {
  header: string;
  /** Numbers read best right-aligned. */
  align: 'left' | 'right';
}

const GAP = '  ';

/** Lays out a header and rows (one segment per cell) in aligned columns. */
export function renderTable(columns: TableColumn[], rows: Segment[][], headerStyle: Style = 'bold'): Line[] {
  const header = columns.map((column) => ({ text: column.header, style: headerStyle }));
  const all = [header, ...rows];
  const widths = columns.map((_, index) => Math.max(...all.map((row) => row[index].text.length)));
  return all.map((row) => {
    const line: Line = [];
    row.forEach((cell, index) => {
      const padding = ' '.repeat(widths[index] - cell.text.length);
      const last = index === row.length - 1;
      if (index > 0) line.push({ text: GAP });
      if (columns[index].align === 'right') line.push({ text: padding }, cell);
      else line.push(cell, { text: last ? '' : padding });
    });
    return withoutTrailingBlanks(line);
  });
}

function withoutTrailingBlanks(line: Line): Line {
  while (line.length > 0 && line[line.length - 1].text.trim() === '') line.pop();
  return line;
}

export function lineLength(line: Line): number {
  return line.reduce((length, segment) => length + segment.text.length, 0);
}

/** Cuts a line to `width` characters. */
export function fitLine(line: Line, width: number): Line {
  const fitted: Line = [];
  let room = width;
  for (const segment of line) {
    if (room <= 0) break;
    fitted.push(segment.text.length <= room ? segment : { ...segment, text: segment.text.slice(0, room) });
    room -= segment.text.length;
  }
  return fitted;
}

export function paintLine(line: Line, paint: Paint): string {
  return line
    .map((segment) => (segment.style && segment.text ? paint(segment.style, segment.text) : segment.text))
    .join('');
}

/** Paints lines into text, each cut to `width` when one is given. */
export function paintLines(lines: Line[], paint: Paint, width?: number): string {
  return lines.map((line) => paintLine(width === undefined ? line : fitLine(line, width), paint)).join('\n') + '\n';
}
