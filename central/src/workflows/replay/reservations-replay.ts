import type { Queryable } from '../../db/db.js';
// The holds' log is the stores' feeds and events, hub tables a module may not read: this source is the hub's.
import { pageByStore, storeKey, type LiveRow, type ReplaySource } from '../../kernel/ports/replay.js';

const units = (lines: unknown): number =>
  Array.isArray(lines) ? lines.reduce((n: number, l: { qty?: unknown }) => n + Number(l?.qty ?? 0), 0) : 0;

/** The first store id above `after` that has a feed or a hold. */
async function nextStore(db: Queryable, after: string | null): Promise<string | null> {
  const { rows } = await db.query<{ s: string | null }>(
    `SELECT least((SELECT store_id FROM sync_feed_heads WHERE $1::uuid IS NULL OR store_id > $1::uuid ORDER BY store_id LIMIT 1),
                  (SELECT store_id FROM reservations WHERE $1::uuid IS NULL OR store_id > $1::uuid ORDER BY store_id LIMIT 1))::text AS s`,
    [after],
  );
  return rows[0]?.s ?? null;
}

/**
 * Holds rebuilt from their log. The hub announces every change of a hold to its store's feed in the transaction that
 * makes it (`reservation.changed`, the whole hold: granted, confirmed, released, expired, handed over, moved by
 * oversell repair with `movedTo`, cancelled by repair), so a hold's status and units are its newest entry in the feed
 * of the store it is at (a hold moved away leaves an entry with `movedTo` at its old store, and is checked at the new
 * one). One change is not announced: a store handing over offline a hold the hub had already ended (RELEASED or
 * EXPIRED) turns it FULFILLED from the store's `reservation.picked-up` event (sync_events, or its archive once old),
 * which is read for those holds.
 *
 * Retention removes feed entries a store acknowledged once they are 7 days old (RETENTION_FEED_DAYS), and there is
 * no snapshot of holds to start from: a hold whose last change is older than its store's oldest retained entry is
 * marked `logPruned`, and the check counts it as out of the log rather than as a difference.
 */
export const reservationsReplay: ReplaySource = {
  kind: 'reservations',
  keyNames: 'storeId/reservationId',
  absent: null,
  rebuild: (db, after, limit) =>
    pageByStore(
      after,
      limit,
      (s) => nextStore(db, s),
      async (storeId, afterId, n) => {
        const { rows } = await db.query<{ id: string; status: string; lines: unknown }>(
          `SELECT id, status, lines FROM (
             SELECT DISTINCT ON (payload->>'id' COLLATE "C") payload->>'id' AS id, payload->>'status' AS status,
                    payload->'lines' AS lines, payload ? 'movedTo' AS moved
             FROM sync_feed WHERE store_id = $1 AND type = 'reservation.changed'
               AND ($2::text IS NULL OR payload->>'id' COLLATE "C" > $2::text)
             ORDER BY payload->>'id' COLLATE "C", seq DESC) latest
           WHERE NOT moved ORDER BY id COLLATE "C" LIMIT $3`,
          [storeId, afterId, n],
        );
        // Holds the hub had ended that the store handed over offline after all: FULFILLED by its pickup event.
        const ended = rows.filter((r) => r.status === 'RELEASED' || r.status === 'EXPIRED').map((r) => r.id);
        const handed = new Set<string>();
        if (ended.length) {
          const picked = await db.query<{ id: string }>(
            `SELECT payload->>'reservationId' AS id FROM sync_events
             WHERE origin = $1 AND type = 'reservation.picked-up' AND payload->>'reservationId' = ANY($2::text[])
             UNION
             SELECT payload->>'reservationId' FROM sync_events_archive
             WHERE origin = $1 AND type = 'reservation.picked-up' AND payload->>'reservationId' = ANY($2::text[])`,
            [storeId, ended],
          );
          for (const p of picked.rows) handed.add(p.id);
        }
        return rows.map((r) => ({
          key: storeKey(storeId, r.id),
          value: { status: handed.has(r.id) ? 'FULFILLED' : r.status, units: units(r.lines) },
        }));
      },
    ),
  live: (db, after, limit) =>
    pageByStore(
      after,
      limit,
      (s) => nextStore(db, s),
      async (storeId, afterId, n): Promise<LiveRow[]> => {
        const { rows } = await db.query<{ id: string; status: string; lines: unknown; updated_at: number }>(
          `SELECT id::text AS id, status, lines, updated_at FROM reservations
           WHERE store_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3`,
          [storeId, afterId, n],
        );
        // Where the store's feed was pruned: changes before its oldest retained entry are no longer in the log.
        const kept = await db.query<{ lo: number | null; at: number | null; head: number | null }>(
          `SELECT (SELECT min(seq) FROM sync_feed WHERE store_id = $1) AS lo,
                  (SELECT min(created_at) FROM sync_feed WHERE store_id = $1) AS at,
                  (SELECT head FROM sync_feed_heads WHERE store_id = $1) AS head`,
          [storeId],
        );
        const k = kept.rows[0]!;
        const pruned = k.lo === null ? Number(k.head ?? 0) > 0 : Number(k.lo) > 1;
        const keptFrom = pruned ? Number(k.at ?? Number.POSITIVE_INFINITY) : Number.NEGATIVE_INFINITY;
        return rows.map((r) => ({
          key: storeKey(storeId, r.id),
          value: { status: r.status, units: units(r.lines) },
          logPruned: Number(r.updated_at) < keptFrom,
        }));
      },
    ),
};
