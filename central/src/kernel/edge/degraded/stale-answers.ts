/** One answer kept for a later stale read: its JSON body as sent, and when it was sent. */
export interface KeptAnswer {
  readonly body: string;
  readonly contentType: string;
  readonly at: number;
  readonly bytes: number;
}

export interface StaleAnswerLimits {
  /** Answers kept at most (least recently used go first). */
  readonly maxEntries: number;
  /** Bytes of bodies kept at most, all answers together. */
  readonly maxBytes: number;
  /** A body larger than this is not kept at all. */
  readonly maxEntryBytes: number;
}

export const STALE_ANSWER_LIMITS: StaleAnswerLimits = {
  maxEntries: 5_000,
  maxBytes: 50 * 1024 * 1024,
  maxEntryBytes: 1024 * 1024,
};

/**
 * The last answers this hub gave to availability reads, by method + URL + caller scope, least recently used first out
 * past a count and a byte bound. Memory only: a restarted hub starts with none (it has nothing stale to say).
 */
export class StaleAnswers {
  readonly #entries = new Map<string, KeptAnswer>();
  #bytes = 0;

  constructor(readonly limits: StaleAnswerLimits = STALE_ANSWER_LIMITS) {}

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Keeps `body` as the answer for `key` (replacing an older one); false when it is too large to keep. */
  keep(key: string, body: string, contentType: string, at: number): boolean {
    const bytes = Buffer.byteLength(body) + key.length;
    this.#drop(key);
    if (bytes > this.limits.maxEntryBytes) return false;
    this.#entries.set(key, { body, contentType, at, bytes });
    this.#bytes += bytes;
    for (const [oldest] of this.#entries) {
      if (this.#entries.size <= this.limits.maxEntries && this.#bytes <= this.limits.maxBytes) break;
      this.#drop(oldest);
    }
    return true;
  }

  /** The answer kept for `key`, counted as used (it goes to the back of the queue). */
  get(key: string): KeptAnswer | undefined {
    const kept = this.#entries.get(key);
    if (kept) {
      this.#entries.delete(key);
      this.#entries.set(key, kept);
    }
    return kept;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(key: string): void {
    const kept = this.#entries.get(key);
    if (!kept) return;
    this.#entries.delete(key);
    this.#bytes -= kept.bytes;
  }
}
