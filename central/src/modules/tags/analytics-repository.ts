import type { Queryable } from '../../db/db.js';

/** The day number (days since 1970-01-01, UTC) of an epoch-ms time. */
export const dayOf = (epochMs: number): number => Math.floor(epochMs / 86_400_000);

/** The analytics' SQL (issue #20): per tag and day, products given it, taken from it, and searches naming it. */
export class TagAnalyticsRepository {
  constructor(readonly db: Queryable) {}

  /** Adds a write's per-tag counts to `day`'s row, in the writing transaction. */
  async recordTagChanges(
    day: number,
    added: ReadonlyMap<number, number>,
    removed: ReadonlyMap<number, number>,
  ): Promise<void> {
    const ids = [...new Set([...added.keys(), ...removed.keys()])];
    if (ids.length === 0) return;
    await this.db.query(
      `INSERT INTO tag_daily_stats (tag_id, day, added, removed)
       SELECT t, $2, a, r FROM unnest($1::int[], $3::int[], $4::int[]) AS x(t, a, r)
       ON CONFLICT (tag_id, day) DO UPDATE SET added = tag_daily_stats.added + EXCLUDED.added,
                                              removed = tag_daily_stats.removed + EXCLUDED.removed`,
      [ids, day, ids.map((i) => added.get(i) ?? 0), ids.map((i) => removed.get(i) ?? 0)],
    );
  }
}
