// The baseline transport: a MessagePort (structured clone). Kept so the
// benchmarks can compare the shared-memory channel against it.

import type { MessagePort } from 'node:worker_threads';
import type { Transport } from './transport.js';

export class PostMessageTransport<In, Out> implements Transport<In, Out> {
  private listener: ((message: In) => void) | undefined;
  private closed = false;

  constructor(private readonly port: MessagePort) {}

  send(message: Out): void {
    this.port.postMessage(message);
  }

  onMessage(listener: (message: In) => void): void {
    // Registering the port's listener starts it and refs it: it then keeps the thread alive until closed.
    if (!this.listener) this.port.on('message', this.receive);
    this.listener = listener;
  }

  /** Closes both ends of the port, as SabTransport's close ends the other side's too. */
  close(): void {
    this.closed = true;
    this.port.close();
  }

  // A port still dispatches the messages it had queued when closed: a closed transport must not.
  private readonly receive = (message: In): void => {
    if (!this.closed) this.listener!(message);
  };
}
