// A row of block characters for a series of numbers, newest on the right.

const BLOCKS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values against `scale` (the largest value shown in the
 * same view, so rows compare); a value above zero never looks like zero.
 * A shorter history is padded with blanks on the left.
 */
export function sparkline(values: number[], width: number, scale: number): string {
  const shown = values.slice(-width).map((value) => {
    if (value <= 0 || scale <= 0) return BLOCKS[0];
    const level = Math.round((Math.min(value, scale) / scale) * (BLOCKS.length - 1));
    return BLOCKS[Math.max(1, level)];
  });
  return shown.join('').padStart(width);
}
