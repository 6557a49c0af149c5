export const PRIORITIES = ['HIGH', 'NORMAL', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A FIFO with O(1) push and shift (an array with a moving head, compacted now and then). */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Puts an item back at the head (a task taken for a batch it did not fit). */
  unshift(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item;
    else this.#items.unshift(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes one item (an aborted task): O(n), rare. */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  drain(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

export interface Queued {
  readonly priority: Priority;
  readonly enqueuedAt: number;
}

/**
 * Three FIFOs taken strictly HIGH, NORMAL, LOW — unless aging is on and the oldest NORMAL or LOW task has waited
 * longer than `agingMs`: then it goes first, so background work still runs under a constant stream of HIGH tasks.
 */
export class TaskQueue<T extends Queued> {
  readonly #fifos: Record<Priority, Fifo<T>> = { HIGH: new Fifo(), NORMAL: new Fifo(), LOW: new Fifo() };

  constructor(readonly agingMs: number | undefined) {}

  get size(): number {
    return this.#fifos.HIGH.size + this.#fifos.NORMAL.size + this.#fifos.LOW.size;
  }

  sizeOf(p: Priority): number {
    return this.#fifos[p].size;
  }

  push(task: T): void {
    this.#fifos[task.priority].push(task);
  }

  take(now: number): T | undefined {
    if (this.agingMs !== undefined) {
      for (const p of ['LOW', 'NORMAL'] as const) {
        const oldest = this.#fifos[p].peek();
        if (oldest && now - oldest.enqueuedAt >= this.agingMs) return this.#fifos[p].shift();
      }
    }
    return this.#fifos.HIGH.shift() ?? this.#fifos.NORMAL.shift() ?? this.#fifos.LOW.shift();
  }

  unshift(task: T): void {
    this.#fifos[task.priority].unshift(task);
  }

  shiftOldest(p: Priority): T | undefined {
    return this.#fifos[p].shift();
  }

  remove(task: T): boolean {
    return this.#fifos[task.priority].remove(task);
  }

  drain(): T[] {
    return [...this.#fifos.HIGH.drain(), ...this.#fifos.NORMAL.drain(), ...this.#fifos.LOW.drain()];
  }
}
