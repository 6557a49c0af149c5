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
 * The hub's one group commit (holds, saga step records, hold confirmations): `run` receives a batch, writes it in one
 * transaction, and answers each input in order — with its output, or with an Error that refuses that input alone
 * while the rest of the batch commits (a hold with too little stock). Under load many callers share one round trip and
 * one commit; alone, a call runs at once.
 *
 * Failure rule, the same for every user: each request fails alone. When `run` throws, nothing of the batch was
 * committed (it must be one transaction), so the batch is split in halves and each half runs again, down to single
 * requests: only a request that fails on its own gets the error, and one bad request among 256 costs 16 more
 * transactions, not 256.
 */
export class CallBatcher<I, O> {
  #queue: Pending<I, O>[] = [];
  #running = 0;

  constructor(
    readonly run: (inputs: readonly I[]) => Promise<(O | Error)[]>,
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
      this.#settle(batch)
        .catch((err: unknown) => {
          for (const p of batch) p.reject(err); // not reached: #settle answers every call itself
        })
        .finally(() => {
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
    let out: (O | Error)[];
    try {
      out = await this.run(batch.map((p) => p.input));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      const half = Math.ceil(batch.length / 2);
      await this.#settle(batch.slice(0, half));
      return this.#settle(batch.slice(half));
    }
    batch.forEach((p, i) => {
      const o = out[i]!;
      if (o instanceof Error) p.reject(o);
      else p.resolve(o);
    });
  }
}
