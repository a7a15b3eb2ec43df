// The parts of a running daemon, in the spirit of fastify/avvio: each part
// starts and registers its own close; `close()` runs the closes in reverse
// order of registration, each once, and is idempotent. A close that throws is
// reported and does not stop the others; a part that fails to start is not
// registered, and the caller closes what did start.

import { ClosedError } from '../contract/errors.js';

/** How `close()` reports a close that threw: the part's name and the error. */
export type CloseErrorSink = (part: string, error: unknown) => void;

/** A part's close; it receives what `close()` was given (the daemon: how long listeners may drain). */
export type Close<Context> = (context: Context) => unknown;

export class Lifecycle<Context = void> {
  private readonly closes: { part: string; close: Close<Context> }[] = [];
  private closing: { context: Context; done: Promise<void> } | undefined;

  constructor(private readonly onCloseError: CloseErrorSink) {}

  /** The parts whose close is still to run, in start order. */
  get parts(): string[] {
    return this.closes.map((entry) => entry.part);
  }

  /** True once `close()` was called: nothing more starts. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Starts one part and registers its close. If `start` throws, nothing is
   * registered and its error is thrown as it is. A part that finishes
   * starting after `close()` was called is closed at once (ClosedError).
   */
  async start<T>(
    part: string,
    start: () => T | Promise<T>,
    close?: (started: T, context: Context) => unknown,
  ): Promise<T> {
    if (this.closing) throw new ClosedError(part);
    const started = await start();
    this.onClose(part, (context) => close?.(started, context));
    if (this.closing) throw new ClosedError(part);
    return started;
  }

  /** Registers a close for something started outside `start`; it runs in reverse order like the others. */
  onClose(part: string, close: Close<Context>): void {
    this.closes.push({ part, close });
    // Registered after the closes ran (a start that was under way): close it now.
    if (this.closing) void this.closing.done.then(() => this.closeAll(this.closing!.context));
  }

  /** Runs every close once, last registered first; later calls answer the first call's promise. */
  close(context: Context): Promise<void> {
    if (!this.closing) {
      const closing = { context, done: Promise.resolve() };
      this.closing = closing;
      closing.done = this.closeAll(context);
    }
    return this.closing.done;
  }

  private async closeAll(context: Context): Promise<void> {
    // A part registered while closing (a start under way) is closed too: the list is read until empty.
    for (let next = this.closes.pop(); next; next = this.closes.pop()) {
      try {
        await next.close(context);
      } catch (error) {
        this.onCloseError(next.part, error);
      }
    }
  }
}
