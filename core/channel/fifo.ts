// The writer's queue of payloads waiting for room. Array#shift is not enough:
// once the array is large (V8's large-object space) every shift moves all the
// remaining elements, so a long backpressure queue would drain in O(n²).

/** Below this many taken slots, compaction is not worth a copy. */
const COMPACT_MIN_TAKEN = 1024;

export class Fifo<T> {
  private items: (T | undefined)[] = [];
  /** Index of the oldest item; the slots before it are taken. */
  private first = 0;

  get size(): number {
    return this.items.length - this.first;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item; only when size > 0. */
  peek(): T {
    return this.items[this.first] as T;
  }

  /** Removes the oldest item: O(1) amortized. */
  drop(): void {
    this.items[this.first++] = undefined;
    if (this.first === this.items.length) this.clear();
    else if (this.first >= COMPACT_MIN_TAKEN && this.first * 2 >= this.items.length) {
      this.items = this.items.slice(this.first);
      this.first = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.first = 0;
  }
}
