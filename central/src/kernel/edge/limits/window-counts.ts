/**
 * Requests per caller per one-second window, counted by one hub replica that shares its counts with the others
 * through the database (issue #27). No I/O here: time comes in as an argument, the shell (request-limits.ts) writes
 * `pending()` and feeds back what it read with `heard()`.
 *
 * Invariants:
 * - A key's window is `floor(now / 1000) * 1000`; a request in a later window starts its key's count at 0.
 * - `admit` counts a request only when it is let through: mine + others' last heard < limit.
 * - `add` counts one whatever the total (a refused credential: it happened), `check` reads without counting.
 * - `pending()` names, per key of a window still open (this one or the one before), this replica's whole count in
 *   that window — a total, not a delta, so a write that failed and is made again counts nothing twice.
 * - `heard()` replaces the others' counts of the keys it names; counts of a window that ended are dropped by `sweep`.
 *
 * Bound on overshoot: a replica learns the others' counts one flush late, so across R replicas a key may get
 * roughly limit + rate × (R − 1) × flushPeriod in a window (at most R × limit, when every replica is fed the whole
 * limit within one flush period).
 */
export interface Admission {
  readonly admitted: boolean;
  /** Seconds until the window ends (what Retry-After says), at least 1. */
  readonly retryAfterSeconds: number;
}

export const WINDOW_MS = 1000;

interface Mine {
  window: number;
  count: number;
  /** Whether `count` changed since it was last handed to `pending()`. */
  dirty: boolean;
}

interface Theirs {
  readonly window: number;
  readonly count: number;
}

/** One row of a replica's counts as the shared table holds it. */
export interface WindowCount {
  readonly key: string;
  readonly windowStart: number;
  readonly count: number;
}

export const windowOf = (now: number) => Math.floor(now / WINDOW_MS) * WINDOW_MS;

export class WindowCounts {
  readonly #mine = new Map<string, Mine>();
  readonly #theirs = new Map<string, Theirs>();

  /** Lets a request under `key` through while fewer than `limit` were counted in its window (here and elsewhere). */
  admit(key: string, limit: number, now: number): Admission {
    const mine = this.#mineOf(key, now); // held even when refused: the flush asks the others about every key held
    const verdict = this.check(key, limit, now);
    if (verdict.admitted) {
      mine.count++;
      mine.dirty = true;
    }
    return verdict;
  }

  /** Whether fewer than `limit` were counted under `key` in now's window (here and elsewhere); counts nothing. */
  check(key: string, limit: number, now: number): Admission {
    const window = windowOf(now);
    const retryAfterSeconds = Math.max(1, Math.ceil((window + WINDOW_MS - now) / 1000));
    const mine = this.#mine.get(key);
    const theirs = this.#theirs.get(key);
    const count =
      (mine && mine.window === window ? mine.count : 0) + (theirs && theirs.window === window ? theirs.count : 0);
    return { admitted: count < limit, retryAfterSeconds };
  }

  /**
   * Counts one under `key` in now's window whatever its total: something that already happened (a credential
   * refused), which `check` then reads. Shared with the other replicas like an admitted request.
   */
  add(key: string, now: number): void {
    const mine = this.#mineOf(key, now);
    mine.count++;
    mine.dirty = true;
  }

  /** This replica's count of `key` in now's window (a new window starts at 0). */
  #mineOf(key: string, now: number): Mine {
    const window = windowOf(now);
    let mine = this.#mine.get(key);
    if (!mine || mine.window !== window) {
      mine = { window, count: 0, dirty: false };
      this.#mine.set(key, mine);
    }
    return mine;
  }

  /** This replica's counts changed since the last call, of windows still open at `now`; they are marked written. */
  pending(now: number): WindowCount[] {
    const open = windowOf(now) - WINDOW_MS;
    const out: WindowCount[] = [];
    for (const [key, m] of this.#mine) {
      if (!m.dirty || m.window < open) continue;
      m.dirty = false;
      out.push({ key, windowStart: m.window, count: m.count });
    }
    return out;
  }

  /** Marks counts handed out by `pending` as not written (the write failed): the next flush sends them again. */
  unwritten(counts: readonly WindowCount[]): void {
    for (const c of counts) {
      const m = this.#mine.get(c.key);
      if (m && m.window === c.windowStart) m.dirty = true;
    }
  }

  /** The keys whose others' counts matter now: every key counted here in this window or the one before. */
  keys(now: number): string[] {
    const open = windowOf(now) - WINDOW_MS;
    return [...this.#mine].filter(([, m]) => m.window >= open).map(([key]) => key);
  }

  /** What the other replicas counted, as last read: per key, the latest window read replaces what was known. */
  heard(counts: readonly WindowCount[]): void {
    for (const c of counts) {
      const known = this.#theirs.get(c.key);
      if (!known || known.window <= c.windowStart) this.#theirs.set(c.key, { window: c.windowStart, count: c.count });
    }
  }

  /** Forgets keys whose windows ended before the one before `now`'s (memory stays bounded by the active callers). */
  sweep(now: number): void {
    const open = windowOf(now) - WINDOW_MS;
    for (const [key, m] of this.#mine) if (m.window < open) this.#mine.delete(key);
    for (const [key, t] of this.#theirs) if (t.window < open) this.#theirs.delete(key);
  }

  /** How many keys are held (a test's and the metrics' view). */
  get size(): number {
    return this.#mine.size;
  }
}
