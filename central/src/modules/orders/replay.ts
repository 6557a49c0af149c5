import type { Queryable } from '../../db/db.js';
import type { LiveRow, ReplaySource } from '../../kernel/ports/replay.js';
import { STEPS } from './saga-rules.js';

/** A saga step that failed: the order turns back towards FAILED. */
const STEP_FAILED = new Set(STEPS.map((s) => `${s}_FAILED`));
/** The compensations the saga records as it runs them. */
const COMPENSATIONS = new Set(['CANCEL_FULFILMENT', 'VOID_PAYMENT', 'RELEASE_HOLD']);
/**
 * What turns a PENDING or CONFIRMED order back (towards CANCELLED or FAILED) when a flow records it (order-flows.ts
 * `cancel`/`failPending`): a cancel, a no-show, an expired or repair-cancelled hold, a delivery nobody took or that
 * came back. Recorded on an order in any other state, the same kinds are only notes.
 */
const TURN_BACK = new Set([
  'CANCEL_REQUESTED',
  'NO_SHOW',
  'HOLD_EXPIRED',
  'HOLD_CANCELLED',
  'DELIVERY_UNASSIGNED',
  'DELIVERY_RETURNED',
]);

/** An order's status after its timeline's events, in seq order; null for a timeline without its PLACED line. */
export function statusFromTimeline(kinds: readonly string[]): string | null {
  let status: string | null = null;
  for (const kind of kinds) {
    if (kind === 'PLACED') status = 'PENDING';
    else if (status === null) continue;
    else if (kind === 'CONFIRMED' && status === 'PENDING') status = 'CONFIRMED';
    else if (kind === 'PICKED_UP' || kind === 'HANDED_TO_DRIVER') status = 'PICKED_UP';
    else if (kind === 'FAILED' || kind === 'CANCELLED') status = kind;
    else if (STEP_FAILED.has(kind) || COMPENSATIONS.has(kind)) status = 'COMPENSATING';
    else if (TURN_BACK.has(kind) && (status === 'PENDING' || status === 'CONFIRMED')) status = 'COMPENSATING';
  }
  return status;
}

/**
 * Orders' status rebuilt from their timelines (`order_events`, and `order_events_archive` for orders that ended long
 * ago): every change of status writes its line in the same statement or transaction (PLACED, the saga's CONFIRMED,
 * a step's `<STEP>_FAILED`, a flow's turn-back, each compensation, the end FAILED or CANCELLED, the hand-over
 * PICKED_UP or HANDED_TO_DRIVER). Retention moves an ended order's timeline to the archive, whose months an operator
 * may detach: an order marked `timeline_archived_at` whose lines are not found is `logPruned`, not a difference.
 */
export const ordersReplay: ReplaySource = {
  kind: 'orders',
  keyNames: 'orderId',
  absent: null,
  async rebuild(db: Queryable, after, limit) {
    const ids = await db.query<{ id: string }>(
      `SELECT id FROM (
         (SELECT DISTINCT order_id::text AS id FROM order_events WHERE $1::uuid IS NULL OR order_id > $1::uuid ORDER BY 1 LIMIT $2)
         UNION
         (SELECT DISTINCT order_id::text FROM order_events_archive WHERE $1::uuid IS NULL OR order_id > $1::uuid ORDER BY 1 LIMIT $2)
       ) x ORDER BY id LIMIT $2`,
      [after, limit],
    );
    if (!ids.rows.length) return [];
    const { rows } = await db.query<{ id: string; kind: string }>(
      `SELECT order_id::text AS id, seq, kind FROM order_events WHERE order_id = ANY($1::uuid[])
       UNION ALL
       SELECT order_id::text, seq, kind FROM order_events_archive WHERE order_id = ANY($1::uuid[])
       ORDER BY 1, 2`,
      [ids.rows.map((r) => r.id)],
    );
    const kinds = new Map<string, string[]>(ids.rows.map((r) => [r.id, []]));
    for (const r of rows) kinds.get(r.id)?.push(r.kind);
    return ids.rows.map((r) => ({ key: r.id, value: { status: statusFromTimeline(kinds.get(r.id)!) } }));
  },
  async live(db, after, limit): Promise<LiveRow[]> {
    const { rows } = await db.query<{ id: string; status: string; archived: boolean }>(
      `SELECT id::text AS id, status, timeline_archived_at IS NOT NULL AS archived FROM orders
       WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => ({ key: r.id, value: { status: r.status }, logPruned: r.archived }));
  },
};
