interface Pending<I, O> {
  readonly input: I;
  resolve(o: O): void;
  reject(err: unknown): void;
}

export interface CallBatcherOptions<I> {
  /** Batches in flight at once; calls that arrive meanwhile wait and go together in the next. */
  readonly concurrency: number;
  readonly maxBatch: number;
  /** Two calls that must not share a batch (e.g. both change one row): the later waits for the next batch. */
  readonly clash?: (a: I, b: I) => boolean;
}

/**
 * Group commit for independent one-statement writes: `run` receives a batch and answers each input in order. Under
 * load many callers share one round trip and one commit; alone, a call runs at once. If a batch fails as a whole,
 * each of its calls is retried alone, so one bad input fails only its own caller.
 */
export class CallBatcher<I, O> {
  #queue: Pending<I, O>[] = [];
  #running = 0;

  constructor(
    readonly run: (inputs: readonly I[]) => Promise<O[]>,
    readonly options: CallBatcherOptions<I>,
  ) {}

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#running < this.options.concurrency && this.#queue.length) {
      const batch = this.#take();
      this.#running++;
      this.#settle(batch).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  #take(): Pending<I, O>[] {
    const { clash, maxBatch } = this.options;
    if (!clash) return this.#queue.splice(0, maxBatch);
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    for (const p of this.#queue) {
      if (batch.length < maxBatch && !batch.some((b) => clash(b.input, p.input))) batch.push(p);
      else rest.push(p);
    }
    this.#queue = rest;
    return batch;
  }

  async #settle(batch: Pending<I, O>[]): Promise<void> {
    try {
      const out = await this.run(batch.map((p) => p.input));
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const p of batch) await this.run([p.input]).then((o) => p.resolve(o[0]!), p.reject);
    }
  }
}
