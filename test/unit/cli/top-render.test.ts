// One frame of `plugd top`, rendered from a snapshot.

import test from 'ava';
import { withoutColour } from '../../../core/cli/colour.js';
import { lineLength, paintLines } from '../../../core/cli/table.js';
import { renderTopFrame } from '../../../core/cli/top-render.js';
import { ESCAPE, FLEET, NOW, plugin, row, snapshot } from '../../fixtures/cli/figures.js';

test('top: rows in trouble are highlighted whole, each row ends in a sparkline on one scale', (t) => {
  const frame = renderTopFrame(snapshot(FLEET), { sort: 'state', interactive: false });
  const text = paintLines(frame, withoutColour);
  t.notRegex(text, ESCAPE);
  t.regex(text, /plugins 5 {2}ready 3 {2}in trouble 2 {2}calls\/s 42 {2}errors 3 {2}restarts 11/);
  t.deepEqual(row(text, 'gone').slice(0, 2), ['gone', 'failed']);
  t.true(row(text, 'echo').at(-1)!.endsWith('▃▅█'));
  t.true(row(text, 'slow').at(-1)!.endsWith('▂▂'));
  t.regex(text, /^sorted by state$/m);
  t.notRegex(text, /keys:/);

  const crashyRow = frame.find((line) => line[0]?.text === 'crashy')!;
  t.true(
    crashyRow
      .filter((segment) => segment.text.trim() !== '')
      .every((segment) => JSON.stringify(segment.style) === '["yellow","bold"]'),
  );
  const echoRow = frame.find((line) => line[0]?.text === 'echo')!;
  t.is(echoRow[0].style, undefined);
});

test('top: a plugin back from a crash a moment ago still counts as crashing', (t) => {
  const justBack = plugin('flappy', { restarts: 3, readySince: NOW - 500 });
  const longBack = plugin('steady', { restarts: 3, readySince: NOW - 3_600_000 });
  const text = paintLines(
    renderTopFrame(snapshot([justBack, longBack]), { sort: 'name', interactive: false }),
    withoutColour,
  );
  t.regex(text, /in trouble 1/);
});

test('top: the frame fits the terminal it is given', (t) => {
  const many = Array.from({ length: 30 }, (_, index) =>
    plugin(`p${String(index).padStart(2, '0')}`, { rateHistory: Array(60).fill(index) }),
  );
  const frame = renderTopFrame(snapshot(many), { sort: 'name', width: 120, height: 20, interactive: true });
  t.is(frame.length, 20);
  t.true(
    frame.every((line) => lineLength(line) <= 120),
    'the sparkline takes the room that is left, no more',
  );
  t.regex(paintLines(frame, withoutColour), /… 17 more/);
  t.regex(paintLines(frame, withoutColour), /keys: q quit/);
});
