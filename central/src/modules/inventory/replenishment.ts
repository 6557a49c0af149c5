import { feedEntry } from '@storefleet/shared';
import type { Db, Queryable } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import { replenishment, VELOCITY_DAYS, type Replenishment } from './replenishment-rules.js';

export const LOW_STOCK = 'inventory.low-stock';
export const RESTOCKED = 'inventory.restocked';

export interface StockAlert extends Replenishment {
  readonly storeId: string;
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly changedAt: number;
}

interface ChangedRow {
  store_id: string;
  sku: string;
  on_hand: number;
  reserved: number;
  safety: number;
  lead_time_days: number;
  updated_at: number;
  sold: number | null;
  was_low: boolean | null;
}

const BATCH = 5000;
/**
 * Rows younger than this wait for the next sweep: a row changed again within the same millisecond as the cursor
 * would sort at or before it and be missed until its next change.
 */
const SETTLE_MS = 1000;

/**
 * Low-stock alerts and reorder suggestions (all their SQL). A sweep walks the stock rows changed since it last ran
 * (a keyset cursor over updated_at), computes each one's reorder point from its sales velocity, and when a key turns
 * low — or recovers — records it and publishes an event to that store's feed (`inventory.low-stock` with the
 * suggestion, `inventory.restocked`). Off the sync apply path on purpose: velocity needs a history query that would
 * slow every upload. Two hubs sweeping at once is safe: the sweep runs under a transaction advisory lock.
 */
export class ReplenishmentSweep {
  constructor(
    readonly db: Db,
    readonly feed: FeedWriter,
    readonly now: () => number,
  ) {}

  /** Processes up to one batch of changed rows; returns how many it looked at (BATCH means: call again). */
  async sweepOnce(): Promise<{ checked: number; lowered: number; restocked: number }> {
    return this.db.transaction(async (tx) => {
      const { rows: lock } = await tx.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext('inventory_replenishment')) AS ok",
      );
      if (!lock[0]!.ok) return { checked: 0, lowered: 0, restocked: 0 }; // another replica is sweeping
      const cursor = (
        await tx.query<{ updated_at: number; store_id: string; sku: string }>(
          "SELECT updated_at, store_id, sku FROM inventory_sweeps WHERE name = 'replenishment'",
        )
      ).rows[0];
      const now = this.now();
      const { rows } = await tx.query<ChangedRow>(
        `WITH changed AS (
           SELECT store_id, sku, on_hand, reserved, safety, lead_time_days, updated_at FROM inventory_stock
           WHERE (updated_at, store_id, sku) > ($1::bigint, $2::uuid, $3::text) AND updated_at < $5
           ORDER BY updated_at, store_id, sku LIMIT ${BATCH})
         SELECT c.*, a.low AS was_low,
           (SELECT -sum(m.delta) FROM inventory_movements m
            WHERE m.store_id = c.store_id AND m.sku = c.sku AND m.kind IN ('SALE', 'PICKUP') AND m.at >= $4) AS sold
         FROM changed c LEFT JOIN inventory_alerts a ON a.store_id = c.store_id AND a.sku = c.sku
         ORDER BY c.updated_at, c.store_id, c.sku`,
        [
          cursor?.updated_at ?? -1,
          cursor?.store_id ?? '00000000-0000-0000-0000-000000000000',
          cursor?.sku ?? '',
          now - VELOCITY_DAYS * 86_400_000,
          now - SETTLE_MS,
        ],
      );
      if (!rows.length) return { checked: 0, lowered: 0, restocked: 0 };
      const events: ({ storeId: string } & ReturnType<typeof feedEntry<typeof LOW_STOCK | typeof RESTOCKED>>)[] = [];
      const alerts = rows.map((r) => {
        const onHand = Number(r.on_hand);
        const reserved = Number(r.reserved);
        const rep = replenishment({
          onHand,
          reserved,
          safety: Number(r.safety),
          soldInWindow: Number(r.sold ?? 0),
          leadTimeDays: r.lead_time_days,
        });
        const flipped = rep.low !== (r.was_low ?? false);
        if (flipped && rep.low)
          events.push({
            storeId: r.store_id,
            ...feedEntry(LOW_STOCK, {
              sku: r.sku,
              onHand,
              reserved,
              velocityPerDay: rep.velocityPerDay,
              reorderPoint: rep.reorderPoint,
              suggestedQty: rep.suggestedQty,
              low: true,
            }),
          });
        if (flipped && !rep.low)
          events.push({ storeId: r.store_id, ...feedEntry(RESTOCKED, { sku: r.sku, onHand, reserved }) });
        return { r, rep, flipped };
      });
      // Keys never low stay out of the table: it holds what is or was low, not the whole catalog of every store.
      const kept = alerts.filter((a) => a.rep.low || a.r.was_low !== null);
      await tx.query(
        `INSERT INTO inventory_alerts (store_id, sku, low, on_hand, reserved, velocity_per_day, reorder_point, suggested_qty, changed_at, checked_at)
         SELECT s, k, l, oh, rs, v, rp, q, $9, $9 FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::bigint[], $5::bigint[],
           $6::float8[], $7::bigint[], $8::bigint[]) AS x(s, k, l, oh, rs, v, rp, q)
         ON CONFLICT (store_id, sku) DO UPDATE SET low = EXCLUDED.low, on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved,
           velocity_per_day = EXCLUDED.velocity_per_day, reorder_point = EXCLUDED.reorder_point, suggested_qty = EXCLUDED.suggested_qty,
           changed_at = CASE WHEN inventory_alerts.low = EXCLUDED.low THEN inventory_alerts.changed_at ELSE EXCLUDED.changed_at END,
           checked_at = EXCLUDED.checked_at`,
        [
          kept.map((a) => a.r.store_id),
          kept.map((a) => a.r.sku),
          kept.map((a) => a.rep.low),
          kept.map((a) => a.r.on_hand),
          kept.map((a) => a.r.reserved),
          kept.map((a) => a.rep.velocityPerDay),
          kept.map((a) => a.rep.reorderPoint),
          kept.map((a) => a.rep.suggestedQty),
          now,
        ],
      );
      await this.feed.appendMany(tx, events);
      const last = rows.at(-1)!;
      await tx.query(
        `INSERT INTO inventory_sweeps (name, updated_at, store_id, sku) VALUES ('replenishment', $1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET updated_at = $1, store_id = $2, sku = $3`,
        [last.updated_at, last.store_id, last.sku],
      );
      return {
        checked: rows.length,
        lowered: events.filter((e) => e.type === LOW_STOCK).length,
        restocked: events.filter((e) => e.type === RESTOCKED).length,
      };
    });
  }

  /** Sweeps until caught up (bounded, so one call never runs away). */
  async sweep(maxBatches = 20): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const { checked } = await this.sweepOnce();
      total += checked;
      if (checked < BATCH) break;
    }
    return total;
  }
}

export async function listAlerts(q: Queryable, storeId: string | null, limit: number): Promise<StockAlert[]> {
  const { rows } = await q.query<{
    store_id: string;
    sku: string;
    on_hand: number;
    reserved: number;
    velocity_per_day: number;
    reorder_point: number;
    suggested_qty: number;
    changed_at: number;
  }>(
    `SELECT * FROM inventory_alerts WHERE low AND ($1::uuid IS NULL OR store_id = $1) ORDER BY changed_at DESC, store_id, sku LIMIT $2`,
    [storeId, limit],
  );
  return rows.map((r) => ({
    storeId: r.store_id,
    sku: r.sku,
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    velocityPerDay: r.velocity_per_day,
    reorderPoint: Number(r.reorder_point),
    suggestedQty: Number(r.suggested_qty),
    low: true,
    changedAt: r.changed_at,
  }));
}
