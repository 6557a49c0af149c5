import type { Queryable } from '../../db/db.js';

/** The day number (days since 1970-01-01, UTC) of an epoch-ms time. */
export const dayOf = (epochMs: number): number => Math.floor(epochMs / 86_400_000);

/** One tag's uses in two consecutive 7-day windows. */
export interface WeekUses {
  readonly tagId: number;
  readonly thisWeek: number;
  readonly lastWeek: number;
}

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

  /**
   * Adds searches to `day`'s rows, one statement for the batch. Ids of tags that do not exist are skipped (a tag is
   * never removed, only tombstoned, so this only drops ids nobody could have searched for).
   */
  async recordSearches(day: number, counts: ReadonlyMap<number, number>): Promise<void> {
    if (counts.size === 0) return;
    const ids = [...counts.keys()];
    await this.db.query(
      `INSERT INTO tag_daily_stats (tag_id, day, searched)
       SELECT x.t, $2, x.n FROM unnest($1::int[], $3::int[]) AS x(t, n) JOIN tags ON tags.id = x.t
       ON CONFLICT (tag_id, day) DO UPDATE SET searched = tag_daily_stats.searched + EXCLUDED.searched`,
      [ids, day, ids.map((i) => counts.get(i)!)],
    );
  }

  /**
   * Per live tag, uses (products newly given it + searches naming it) in days [today-6, today] and in
   * [today-13, today-7]; tags with no uses in either window are left out.
   */
  async weekUses(today: number): Promise<WeekUses[]> {
    const { rows } = await this.db.query<{ tag_id: number; this_week: string; last_week: string }>(
      `SELECT s.tag_id,
              sum(CASE WHEN s.day >= $1 - 6 THEN s.added + s.searched ELSE 0 END)::text AS this_week,
              sum(CASE WHEN s.day < $1 - 6 THEN s.added + s.searched ELSE 0 END)::text AS last_week
       FROM tag_daily_stats s JOIN tags t ON t.id = s.tag_id AND NOT t.deleted
       WHERE s.day BETWEEN $1 - 13 AND $1
       GROUP BY s.tag_id
       HAVING sum(s.added + s.searched) > 0`,
      [today],
    );
    return rows.map((r) => ({ tagId: r.tag_id, thisWeek: Number(r.this_week), lastWeek: Number(r.last_week) }));
  }

  /** The last day (up to `today`) anything was counted for each of `tagIds` (given, taken, searched); absent: never. */
  async lastActivity(tagIds: readonly number[], today: number): Promise<Map<number, number>> {
    if (tagIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ tag_id: number; day: number }>(
      `SELECT tag_id, max(day) AS day FROM tag_daily_stats
       WHERE tag_id = ANY($1::int[]) AND day <= $2 AND (added > 0 OR removed > 0 OR searched > 0)
       GROUP BY tag_id`,
      [tagIds, today],
    );
    return new Map(rows.map((r) => [r.tag_id, Number(r.day)]));
  }
}
