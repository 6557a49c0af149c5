import type { Db, Queryable } from '../db/db.js';
import type { RetentionSettings } from '../sync/retention-settings.js';

/** The setting that says how old a target's rows must be before they go. */
export type RetentionAge = 'feedDays' | 'eventsDays' | 'orderEventsDays' | 'parkedDays';

/** What one batch did: rows archived or removed, whether nothing is due any more, and where the next one starts. */
export interface RetentionBatch {
  readonly moved: number;
  readonly done: boolean;
  /** Handed back to the next batch of the same sweep (a key to resume from), when the target keeps one. */
  readonly after?: string;
}

/** Called inside each batch's transaction with the rows it moved: the sweep's counts commit with the rows. */
export type RecordMoved = (tx: Queryable, moved: number) => Promise<void>;

/**
 * One table a retention sweep keeps in bounds: the hub's own sync tables, or a module's (a module offers one by
 * providing the service `<module>.retention`, as the orders module does for its timelines). The sweep calls `due`
 * once for its progress line, then `batch` until it says done, stopping between batches when the hub stops. A batch
 * must be one transaction of its own that moves at most `limit` rows, so a sweep never holds locks for long and a
 * crash loses at most one batch's work (rolled back, done again by the next sweep). Moving a row twice must be
 * impossible even when two sweeps run at once (move it in one DELETE … RETURNING statement).
 */
export interface RetentionTarget {
  /** The hot table (`sync_events`). */
  readonly table: string;
  /** What a row of it is called in progress lines (`events`, `feed entries`). */
  readonly noun: string;
  /** `archive`: rows move to `archive` (a table partitioned by month); `remove`: rows are deleted. */
  readonly action: 'archive' | 'remove';
  readonly archive?: string;
  readonly ageSetting: RetentionAge;
  /** What stays and what goes, in words for the operator's status (`settings` give the ages). */
  rule(settings: RetentionSettings): string;
  /** Rows due for a sweep with this cutoff (epoch ms: rows older go). For progress: may be approximate. */
  due(q: Queryable, cutoff: number): Promise<number>;
  /** One batch (see above); `after` is what the previous batch of this sweep returned, undefined at first. */
  batch(
    db: Db,
    cutoff: number,
    limit: number,
    now: number,
    record: RecordMoved,
    after?: string,
  ): Promise<RetentionBatch>;
  /** When its oldest row was written (epoch ms), null when it is empty. */
  oldest(q: Queryable): Promise<number | null>;
  /** Facts the status adds for this table (the feed: entries kept for stores that have not acknowledged them). */
  details?(q: Queryable, cutoff: number): Promise<Record<string, unknown>>;
}
