// Tables as the CLI prints them: aligned, clipped, no trailing blanks.

import test from 'ava';
import { withoutColour } from '../../../core/cli/colour.js';
import { paintLines, renderTable } from '../../../core/cli/table.js';

test('tables align numbers right, text left, and leave no trailing blanks', (t) => {
  const lines = renderTable(
    [
      { header: 'NAME', align: 'left' },
      { header: 'N', align: 'right' },
      { header: 'NOTE', align: 'left' },
    ],
    [
      [{ text: 'a' }, { text: '100' }, { text: '' }],
      [{ text: 'long-name' }, { text: '7' }, { text: 'x' }],
    ],
  );
  t.is(paintLines(lines, withoutColour), 'NAME         N  NOTE\na          100\nlong-name    7  x\n');
  t.is(paintLines(lines, withoutColour, 6), 'NAME  \na     \nlong-n\n');
});
