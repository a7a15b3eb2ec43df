// Orders to a worker over its control port, each with an id, a deadline and
// the phase it belongs to. A reply answers its id, so two orders of one kind
// at once (two pauses) each get their own, and a worker's death answers every
// order still waiting.

import type { ControlOrder, ControlOrders, ControlPhase, ControlReply } from '../channel/protocol.js';
import { HostErrors } from './errors.js';

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
  phase: ControlPhase;
  timer: NodeJS.Timeout;
}

export class WorkerControl {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private deathReason: string | undefined;

  constructor(private readonly post: (order: ControlOrder) => void) {}

  /** Gives an order; resolves with the worker's reply, rejects on its failure, its death or the deadline. */
  order<P extends ControlPhase>(
    phase: P,
    body: ControlOrders[P]['order'],
    timeoutMs: number,
  ): Promise<ControlOrders[P]['reply']> {
    if (this.deathReason !== undefined) return Promise.reject(HostErrors.diedDuring(phase, this.deathReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(HostErrors.deadlineMissed(phase, timeoutMs));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, phase, timer });
      this.post({ id, t: phase, ...body } as ControlOrder);
    });
  }

  /**
   * The worker answered order `reply.id`. A reply after the deadline finds
   * nobody waiting; false if no order ever had that id (a protocol violation).
   */
  answer(reply: ControlReply): boolean {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return reply.id < this.nextId;
    this.waiting.delete(reply.id);
    clearTimeout(waiting.timer);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(HostErrors.reported(reply.message));
    return true;
  }

  /** The worker is gone: every order still waiting fails, and so will every later one. */
  died(reason: string): void {
    this.deathReason = reason;
    for (const waiting of this.waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(HostErrors.diedDuring(waiting.phase, reason));
    }
    this.waiting.clear();
  }
}
