// TCP connections that have not authenticated yet, oldest first, each against
// its deadline (`limits.authTimeoutMs`). At `limits.maxUnauthenticatedConnections`
// the oldest is closed to admit the newcomer, never the newcomer refused:
// strangers that connect and wait (or reconnect in a loop) cannot keep the
// token holder out, who needs a slot only for the moment it takes to
// authenticate. Such closes are counted, and the count logged at most once a
// second, so a flood shows in the log without flooding it.

import type { Socket } from 'node:net';
import type { Limits } from '../config/config.js';
import { awaitProof } from './connection-proof.js';

const REPORT_EVERY_MS = 1000;

export class UnprovenConnections {
  /** Insertion order is age order: the first is the oldest. */
  private readonly deadlines = new Map<Socket, NodeJS.Timeout>();
  private closedTotal = 0;
  private closedSinceReport = 0;
  private reportTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: Pick<Limits, 'authTimeoutMs' | 'maxUnauthenticatedConnections'>,
    private readonly report: (message: string) => void,
  ) {}

  has(socket: Socket): boolean {
    return this.deadlines.has(socket);
  }

  /** Closes the oldest unauthenticated connections until one more fits under the cap. */
  makeRoom(): void {
    for (const oldest of this.deadlines.keys()) {
      if (this.deadlines.size < this.limits.maxUnauthenticatedConnections) return;
      this.forget(oldest);
      oldest.destroy();
      this.closedTotal++;
      this.closedSinceReport++;
      this.reportTimer ??= setTimeout(() => this.reportClosed(), REPORT_EVERY_MS).unref();
    }
  }

  /** `socket` has `authTimeoutMs` to prove itself (connection-proof.ts), or is closed. */
  watch(socket: Socket): void {
    const timer = setTimeout(() => socket.destroy(), this.limits.authTimeoutMs).unref();
    this.deadlines.set(socket, timer);
    awaitProof(socket, () => this.forget(socket));
  }

  private forget(socket: Socket): void {
    clearTimeout(this.deadlines.get(socket));
    this.deadlines.delete(socket);
  }

  private reportClosed(): void {
    this.reportTimer = undefined;
    const { maxUnauthenticatedConnections } = this.limits;
    this.report(
      `closed ${this.closedSinceReport} unauthenticated TCP connection(s), the oldest, to admit newer ones ` +
        `(limits.maxUnauthenticatedConnections ${maxUnauthenticatedConnections}; ${this.closedTotal} since start)`,
    );
    this.closedSinceReport = 0;
  }
}
