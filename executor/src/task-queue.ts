export const PRIORITIES = ['HIGH', 'NORMAL', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * A FIFO with O(1) push, shift and remove: an array with a moving head, compacted now and then; a removed item is
 * only marked, and skipped when it reaches the head (removing 40,000 aborted tasks one by one by splicing took
 * seconds of blocked event loop).
 */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  readonly #removed = new Set<T>();

  get size(): number {
    return this.#items.length - this.#head - this.#removed.size;
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
    this.#skipRemoved();
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    this.#skipRemoved();
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes an item the caller knows is queued (an aborted task), in O(1). */
  remove(item: T): void {
    this.#removed.add(item);
  }

  drain(): T[] {
    let rest = this.#items.slice(this.#head) as T[];
    if (this.#removed.size) rest = rest.filter((t) => !this.#removed.has(t));
    this.#items = [];
    this.#head = 0;
    this.#removed.clear();
    return rest;
  }

  #skipRemoved(): void {
    while (this.#removed.size && this.#head < this.#items.length && this.#removed.delete(this.#items[this.#head]!))
      this.#items[this.#head++] = undefined;
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
  /** What is queued now, so remove() knows in O(1) whether there is anything to remove. */
  readonly #members = new Set<T>();

  constructor(readonly agingMs: number | undefined) {}

  get size(): number {
    return this.#fifos.HIGH.size + this.#fifos.NORMAL.size + this.#fifos.LOW.size;
  }

  sizeOf(p: Priority): number {
    return this.#fifos[p].size;
  }

  push(task: T): void {
    this.#fifos[task.priority].push(task);
    this.#members.add(task);
  }

  take(now: number): T | undefined {
    if (this.agingMs !== undefined) {
      for (const p of ['LOW', 'NORMAL'] as const) {
        const oldest = this.#fifos[p].peek();
        if (oldest && now - oldest.enqueuedAt >= this.agingMs) return this.#left(this.#fifos[p].shift());
      }
    }
    return this.#left(this.#fifos.HIGH.shift() ?? this.#fifos.NORMAL.shift() ?? this.#fifos.LOW.shift());
  }

  /** Puts a task back at the head of its priority (one that did not fit a batch, or a batch's unrun rest). */
  unshift(task: T): void {
    this.#fifos[task.priority].unshift(task);
    this.#members.add(task);
  }

  shiftOldest(p: Priority): T | undefined {
    return this.#left(this.#fifos[p].shift());
  }

  /** O(1); false if the task is not queued (running, settled, or never queued). */
  remove(task: T): boolean {
    if (!this.#members.delete(task)) return false;
    this.#fifos[task.priority].remove(task);
    return true;
  }

  drain(): T[] {
    this.#members.clear();
    return [...this.#fifos.HIGH.drain(), ...this.#fifos.NORMAL.drain(), ...this.#fifos.LOW.drain()];
  }

  #left(task: T | undefined): T | undefined {
    if (task) this.#members.delete(task);
    return task;
  }
}
