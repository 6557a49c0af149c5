import type { Queryable } from '../../db/db.js';
import type { RetentionTarget } from '../../kernel/retention-target.js';
import { archiveBatch } from '../../kernel/retention-tables.js';

// Orders that ended (failed or cancelled) before the cutoff and whose timeline is still hot, oldest first.
const ENDED = `SELECT id FROM orders WHERE status IN ('FAILED', 'CANCELLED', 'PICKED_UP') AND timeline_archived_at IS NULL AND updated_at < $1`;
const ENDED_FIRST = `${ENDED} ORDER BY updated_at, id LIMIT $2`;

/** A timeline is a handful of events (placed, each step, confirmed or its compensations): orders per batch. */
const EVENTS_PER_ORDER = 8;

async function markArchived(q: Queryable, cutoff: number, orders: number, now: number): Promise<void> {
  await q.query(
    `UPDATE orders o SET timeline_archived_at = $3 WHERE o.id IN (${ENDED_FIRST})
     AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id)`,
    [cutoff, orders, now],
  );
}

/**
 * The retention of order timelines, which the orders module offers the hub's sweep (service `orders.retention`): the
 * events of an order that ended long ago move to `order_events_archive` (partitioned by month of the event), and the
 * order is marked `timeline_archived_at` once none is left hot. Orders still open or confirmed keep theirs in full.
 */
export const timelineRetention: RetentionTarget = {
  table: 'order_events',
  noun: 'order events',
  action: 'archive',
  archive: 'order_events_archive',
  ageSetting: 'orderEventsDays',
  rule: (s) =>
    `the timeline of an order that failed or was cancelled ${s.orderEventsDays} days ago is archived to order_events_archive; open and confirmed orders keep their whole timeline`,
  async due(q, cutoff) {
    // Counted up to a million (progress only: an exact count on a big hub could outlast the statement timeout).
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM order_events WHERE order_id IN (${ENDED}) LIMIT 1000000) capped`,
      [cutoff],
    );
    return Number(rows[0]!.n);
  },
  async batch(db, cutoff, limit, now, record) {
    const orders = Math.max(1, Math.floor(limit / EVENTS_PER_ORDER));
    const moved = await archiveBatch(
      db,
      {
        archive: 'order_events_archive',
        async span(q) {
          const { rows } = await q.query<{ lo: number | null; hi: number | null }>(
            `SELECT min(at) AS lo, max(at) AS hi FROM order_events WHERE order_id IN (${ENDED_FIRST})`,
            [cutoff, orders],
          );
          return rows[0]?.lo === null || rows[0]?.lo === undefined
            ? null
            : { lo: Number(rows[0].lo), hi: Number(rows[0].hi) };
        },
        async move(tx) {
          const res = await tx.query(
            `WITH v AS (SELECT e.order_id, e.seq FROM order_events e WHERE e.order_id IN (${ENDED_FIRST}) ORDER BY e.order_id, e.seq LIMIT $3),
             moved AS (DELETE FROM order_events e USING v WHERE e.order_id = v.order_id AND e.seq = v.seq RETURNING e.order_id, e.seq, e.at, e.kind, e.detail)
             INSERT INTO order_events_archive (order_id, seq, at, kind, detail, archived_at) SELECT order_id, seq, at, kind, detail, $4 FROM moved`,
            [cutoff, orders, limit, now],
          );
          await markArchived(tx, cutoff, orders, now);
          return res.rowCount;
        },
      },
      record,
    );
    // Ended orders left without hot events (none to move in this batch) are marked all the same.
    if (!moved) await markArchived(db, cutoff, orders, now);
    const left = await db.query(`${ENDED} LIMIT 1`, [cutoff]);
    return { moved, done: left.rowCount === 0 };
  },
  async oldest(q) {
    // An order's first event is at its created_at.
    const { rows } = await q.query<{ v: number | null }>(
      'SELECT min(created_at) AS v FROM orders WHERE timeline_archived_at IS NULL',
    );
    return rows[0]?.v === null || rows[0]?.v === undefined ? null : Number(rows[0].v);
  },
};
