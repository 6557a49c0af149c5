import type { Db } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { dayOf, TagAnalyticsRepository } from './analytics-repository.js';

/** How often a hub writes its counted searches to tag_daily_stats. */
export const SEARCH_FLUSH_MS = 5_000;
/** (caller, tag) pairs remembered per day to count a caller's search of a tag once; past it searches count each. */
export const SEARCH_SEEN_MAX = 100_000;

/**
 * Searches naming each tag, counted in memory per UTC day (the day of the search, by the hub's clock) and written to
 * tag_daily_stats in one statement every few seconds and at stop, so a search costs no write of its own.
 *
 * Invariants: at most one entry per (day, tag), so memory is bounded by the live tags times the days a failing
 * database has kept us from writing; a failed flush puts its counts back (added to anything counted meanwhile) for the
 * next flush; flushes run one at a time, so a count is never written twice.
 *
 * A caller (`user:…`, `store:…`) searching a tag again the same UTC day is not counted again: the (caller, tag) pairs
 * of the current day are remembered, forgotten when the day changes, and at most `maxSeen` of them — past that a
 * search counts without the check (logged once a day), so memory stays bounded. Per hub process: a caller whose
 * searches land on two replicas may count once on each. A search without a caller always counts.
 */
export class SearchCounter {
  /** day → tag id → searches not yet written. */
  #pending = new Map<number, Map<number, number>>();
  #flushing: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The day `#seen` is of, its "caller tag" pairs already counted, and whether its cap was logged. */
  #seenDay = -1;
  #seen = new Set<string>();
  #capLogged = false;

  constructor(
    readonly db: Db,
    readonly now: () => number,
    readonly log: HubContext['log'],
    readonly maxSeen = SEARCH_SEEN_MAX,
  ) {}

  /**
   * Counts one search that named these tags (each tag once per search, however often the query names it; once per
   * caller and UTC day when `caller` is given).
   */
  count(tagIds: readonly number[], caller?: string): void {
    if (tagIds.length === 0) return;
    const day = dayOf(this.now());
    const counts = this.#day(day);
    if (day !== this.#seenDay) {
      this.#seenDay = day;
      this.#seen = new Set();
      this.#capLogged = false;
    }
    for (const id of new Set(tagIds)) {
      if (!Number.isSafeInteger(id) || id <= 0) continue;
      if (caller !== undefined && !this.#firstToday(`${caller} ${id}`)) continue;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }

  /** False when this pair was counted today; remembers it unless the day's set is full (then always true). */
  #firstToday(key: string): boolean {
    if (this.#seen.has(key)) return false;
    if (this.#seen.size < this.maxSeen) this.#seen.add(key);
    else if (!this.#capLogged) {
      this.#capLogged = true;
      this.log.warn(
        { remembered: this.#seen.size },
        `tags: over ${this.maxSeen.toLocaleString('en')} callers' tags searched today; further searches count each`,
      );
    }
    return true;
  }

  /** Searches counted but not yet written, per tag (all days together): for tests and the log. */
  pending(): Map<number, number> {
    const all = new Map<number, number>();
    for (const counts of this.#pending.values()) for (const [id, n] of counts) all.set(id, (all.get(id) ?? 0) + n);
    return all;
  }

  /** Writes what was counted; on failure keeps it for the next flush and rejects. */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#flushOnce());
    this.#flushing = run.catch(() => {});
    return run;
  }

  /** Starts the periodic flush (unref'd: it never keeps a process alive). */
  start(everyMs = SEARCH_FLUSH_MS): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.flush().catch((err: unknown) =>
        this.log.warn(
          { err, pendingTags: this.pending().size },
          'tags: searched counts not written; kept for the next try',
        ),
      );
    }, everyMs);
    this.#timer.unref();
  }

  /** Stops the timer and writes what is left (a failure is logged: the counts of this last moment are lost). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush().catch((err: unknown) =>
      this.log.warn({ err, pendingTags: this.pending().size }, 'tags: searched counts lost at stop'),
    );
  }

  async #flushOnce(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await this.db.transaction(async (tx) => {
        const repo = new TagAnalyticsRepository(tx);
        for (const [day, counts] of batch) await repo.recordSearches(day, counts);
      });
    } catch (err) {
      for (const [day, counts] of batch) {
        const kept = this.#day(day);
        for (const [id, n] of counts) kept.set(id, (kept.get(id) ?? 0) + n);
      }
      throw err;
    }
  }

  /** The pending counts of `day` (created empty). */
  #day(day: number): Map<number, number> {
    let counts = this.#pending.get(day);
    if (!counts) {
      counts = new Map();
      this.#pending.set(day, counts);
    }
    return counts;
  }
}
