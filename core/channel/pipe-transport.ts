// The transport between processes when the shared-memory addon is missing:
// messages over the child's IPC channel (process.send), serialized by Node.
// That channel also carries the process's control messages, so channel
// messages travel in an envelope that other listeners can tell apart.

import type { Transport } from './transport.js';

/** The key of the envelope; its value is the message, or null when the sending end closed. */
export const PIPE_ENVELOPE_KEY = 'plugdChannel';

/** Either end of an IPC channel: the ChildProcess in the parent, `process` in the child. */
export interface IpcEndpoint {
  readonly connected: boolean;
  send?(message: unknown, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
}

/** A send that fails (the other end gone) is the other end's exit to handle, not an 'error' event here. */
const ignoreSendError = (): void => {};

export class PipeTransport<In, Out> implements Transport<In, Out> {
  private listener: ((message: In) => void) | undefined;
  private closed = false;

  constructor(private readonly endpoint: IpcEndpoint) {}

  send(message: Out): void {
    if (!this.closed) this.post(message);
  }

  onMessage(listener: (message: In) => void): void {
    // A 'message' listener refs the IPC channel: it keeps the process alive until closed.
    if (!this.listener && !this.closed) {
      this.endpoint.on('message', this.receive);
      this.endpoint.on('disconnect', this.stop);
    }
    this.listener = listener;
  }

  /** Stops this end and tells the other one, as SabTransport's close ends the other side's too. */
  close(): void {
    if (this.closed) return;
    this.post(null);
    this.stop();
  }

  private post(message: Out | null): void {
    if (this.endpoint.connected) this.endpoint.send!({ [PIPE_ENVELOPE_KEY]: message }, ignoreSendError);
  }

  private readonly stop = (): void => {
    this.closed = true;
    this.endpoint.off('message', this.receive);
    this.endpoint.off('disconnect', this.stop);
  };

  private readonly receive = (envelope: unknown): void => {
    if (this.closed || typeof envelope !== 'object' || envelope === null || !(PIPE_ENVELOPE_KEY in envelope)) return;
    const message = (envelope as Record<string, In | null>)[PIPE_ENVELOPE_KEY];
    if (message === null) this.stop();
    else this.listener!(message);
  };
}
