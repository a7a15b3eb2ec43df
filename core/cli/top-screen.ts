// The live view's hold on the terminal: the alternate screen, a hidden cursor
// and raw keys, and the duty to give all of it back however the view ends
// (a key, a signal, an error, or the process exiting under it).

import ansiEscapes from 'ansi-escapes';
import { emitKeypressEvents, type Key } from 'node:readline';

export class FullScreen {
  private restored = false;
  private readonly restoreOnExit = () => this.restore();
  private keyListener: ((text: string, key: Key | undefined) => void) | undefined;
  private resizeListener: (() => void) | undefined;

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  enter(onKey: (key: Key) => void, onResize: () => void): void {
    process.once('exit', this.restoreOnExit);
    emitKeypressEvents(this.input);
    this.input.setRawMode(true);
    this.keyListener = (_text, key) => key && onKey(key);
    this.input.on('keypress', this.keyListener);
    this.input.resume();
    this.resizeListener = onResize;
    this.output.on('resize', onResize);
    this.output.write(ansiEscapes.enterAlternativeScreen + ansiEscapes.cursorHide);
  }

  /** Replaces the screen's content with `lines` (already cut to its width), row by row: no scrolling, little flicker. */
  draw(lines: string[]): void {
    const rows = lines.map((line, row) => ansiEscapes.cursorTo(0, row) + ansiEscapes.eraseLine + line);
    // Below a frame that fills the screen there is nothing to erase; moving there would land on its last row.
    const rest = lines.length < this.output.rows ? ansiEscapes.cursorTo(0, lines.length) + ansiEscapes.eraseDown : '';
    this.output.write(ansiEscapes.beginSynchronizedOutput + rows.join('') + rest + ansiEscapes.endSynchronizedOutput);
  }

  /** Gives the terminal back as it was; safe to call more than once. */
  restore(): void {
    if (this.restored) return;
    this.restored = true;
    process.off('exit', this.restoreOnExit);
    if (this.keyListener) this.input.off('keypress', this.keyListener);
    if (this.resizeListener) this.output.off('resize', this.resizeListener);
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
    this.output.write(ansiEscapes.cursorShow + ansiEscapes.exitAlternativeScreen);
  }
}
