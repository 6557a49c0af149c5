import { backoffDelay, type SyncLogger } from '@storefleet/sync';

/**
 * One pull at a time from the hub, retried with backoff until it succeeds (the catalog's and the tags' copies):
 * `poke()` starts a pull when `due()` says the copy is behind and none runs; a failed pull is logged and tried again
 * after 1 s, 2 s, … up to a minute; a pull that succeeded looks again at once (a notice may have arrived meanwhile).
 */
export class PullRetry {
  #pulling = false;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #lastError: string | null = null;

  constructor(
    /** What is pulled, for the log: 'catalog', 'tags'. */
    readonly what: string,
    readonly log: SyncLogger,
    readonly due: () => boolean,
    readonly pull: () => Promise<void>,
  ) {}

  get pulling(): boolean {
    return this.#pulling;
  }
  get stopped(): boolean {
    return this.#stopped;
  }
  /** Why the last pull failed; null once one succeeds. */
  get lastError(): string | null {
    return this.#lastError;
  }

  poke(): void {
    if (this.#pulling || this.#stopped || !this.due()) return;
    this.#pulling = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.pull().then(
      () => {
        this.#pulling = false;
        this.#attempt = 0;
        this.#lastError = null;
        this.poke();
      },
      (err: unknown) => {
        this.#pulling = false;
        if (this.#stopped) return;
        this.#lastError = (err as Error).message;
        this.log.warn({ err: this.#lastError, attempt: this.#attempt }, `${this.what} pull failed; retrying`);
        this.#retry = setTimeout(() => this.poke(), backoffDelay(this.#attempt++, { baseMs: 1000, capMs: 60_000 }));
        this.#retry.unref();
      },
    );
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
  }
}
