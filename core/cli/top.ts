// `plugd top`: the daemon's figures, redrawn every interval until `q` or
// Ctrl-C; `--once` prints one frame (for scripts and tests) and escapes
// nothing when not at a terminal. Drawing is top-render.ts; this is the loop.

import { setTimeout as sleep } from 'node:timers/promises';
import type { RpcClient } from './client.js';
import { paintFor } from './colour.js';
import type { Figures } from '../contract/figures.js';
import { readFigures } from './daemon-figures.js';
import { fitLine, paintLine, paintLines } from './table.js';
import { renderTopFrame, SORT_KEYS } from './top-render.js';
import { FullScreen } from './top-screen.js';
import type { SortColumn } from './top-sort.js';
import { InvalidInputError } from '../contract/errors.js';

export interface TopOptions {
  sort: SortColumn;
  intervalMs: number;
  once: boolean;
}

/** Signals that end the live view as `q` does, so the terminal is given back. */
const QUIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function top(client: RpcClient, options: TopOptions): Promise<void> {
  const { stdin, stdout } = process;
  if (options.once) return printOneFrame(client, options.sort, stdout);
  if (!stdin.isTTY || !stdout.isTTY)
    throw new InvalidInputError('plugd top needs a terminal; use --once for one frame');
  return runLive(client, options, stdin, stdout);
}

async function printOneFrame(client: RpcClient, sort: SortColumn, output: NodeJS.WriteStream): Promise<void> {
  const width = output.isTTY ? output.columns : undefined;
  const frame = renderTopFrame(await readFigures(client), { sort, width, interactive: false });
  output.write(paintLines(frame, paintFor(output), width));
}

async function runLive(
  client: RpcClient,
  options: TopOptions,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
): Promise<void> {
  const paint = paintFor(output);
  const quit = new AbortController();
  const quitting = new Promise<undefined>((resolve) =>
    quit.signal.addEventListener('abort', () => resolve(undefined), { once: true }),
  );
  const onSignal = () => quit.abort();
  const screen = new FullScreen(input, output);
  let sort = options.sort;
  let latest: Figures | undefined;

  const redraw = () => {
    if (!latest) return;
    const frame = renderTopFrame(latest, { sort, width: output.columns, height: output.rows, interactive: true });
    screen.draw(frame.map((line) => paintLine(fitLine(line, output.columns), paint)));
  };
  const onKey = (key: { name?: string; ctrl?: boolean }) => {
    if (key.name === 'q' || (key.ctrl && key.name === 'c')) quit.abort();
    else if (!key.ctrl && key.name && key.name in SORT_KEYS) {
      sort = SORT_KEYS[key.name];
      redraw();
    }
  };

  try {
    for (const signal of QUIT_SIGNALS) process.on(signal, onSignal);
    screen.enter(onKey, redraw);
    while (!quit.signal.aborted) {
      // A daemon that stops answering must not keep `q` from working.
      const figures = await Promise.race([readFigures(client), quitting]);
      if (!figures) break;
      latest = figures;
      redraw();
      await sleep(options.intervalMs, undefined, { signal: quit.signal }).catch(() => undefined);
    }
  } finally {
    for (const signal of QUIT_SIGNALS) process.off(signal, onSignal);
    screen.restore();
  }
}
