import { partitionByPayload, stockCountedSchema, type StockCounted } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { AppliedEvent, HandlerResult } from '../../kernel/event-handlers.js';

/** How long count summaries are kept: the longest window `GET /api/inventory/accuracy` reads. */
export const RFID_COUNTS_KEPT_DAYS = 90;

/**
 * A store's inventory accuracy over a window, from the summaries of its complete RFID counts (`stock.counted`):
 * skus whose count matched on-hand ÷ skus counted, over every count in the window. A store that sent no count in the
 * window has `accuracy` null — it has no figure, and never reads as 100 %.
 */
export interface StoreAccuracy {
  readonly storeId: string;
  /** Complete counts in the window. */
  readonly counts: number;
  /** Summed over the counts: a sku counted in 10 cycles counts 10 times. */
  readonly skusCounted: number;
  readonly skusMatching: number;
  readonly unitsCounted: number;
  /** Σ |count − on-hand| over the counts' skus. */
  readonly unitsOff: number;
  readonly lastCountAt: number | null;
  /** 0…1, or null without a count in the window. */
  readonly accuracy: number | null;
}

/** skus matching ÷ skus counted; null when nothing was counted. */
export const accuracyOf = (skusMatching: number, skusCounted: number): number | null =>
  skusCounted > 0 ? skusMatching / skusCounted : null;

/** The SQL of the count summaries. */
export class RfidCountsRepository {
  constructor(readonly db: Queryable) {}

  /** Writes the counts the hub does not hold yet; a count id the store sent before (under any seq) is skipped. */
  async insert(storeId: string, counts: readonly (StockCounted & { originSeq: number })[], now: number): Promise<void> {
    if (!counts.length) return;
    await this.db.query(
      `INSERT INTO inventory_rfid_counts (store_id, count_id, at, skus_counted, skus_matching, units_counted, units_off, origin_seq, received_at)
       SELECT $1, x."countId", x.at, x."skusCounted", x."skusMatching", x."unitsCounted", x."unitsOff", x."originSeq", $3
       FROM jsonb_to_recordset($2::jsonb) AS x("countId" text, at bigint, "skusCounted" int, "skusMatching" int,
         "unitsCounted" bigint, "unitsOff" bigint, "originSeq" bigint)
       ON CONFLICT (store_id, count_id) DO NOTHING`,
      [storeId, JSON.stringify(counts), now],
    );
  }

  /** Each of these stores' accuracy over the counts it finished at or after `since` (see `StoreAccuracy`). */
  async accuracy(storeIds: readonly string[], since: number): Promise<StoreAccuracy[]> {
    const { rows } = await this.db.query<{
      store_id: string;
      counts: number;
      skus_counted: number;
      skus_matching: number;
      units_counted: number;
      units_off: number;
      last_at: number | null;
    }>(
      `SELECT x.store_id, count(c.count_id)::int AS counts,
              coalesce(sum(c.skus_counted), 0)::bigint AS skus_counted, coalesce(sum(c.skus_matching), 0)::bigint AS skus_matching,
              coalesce(sum(c.units_counted), 0)::bigint AS units_counted, coalesce(sum(c.units_off), 0)::bigint AS units_off,
              max(c.at) AS last_at
       FROM unnest($1::uuid[]) AS x(store_id)
       LEFT JOIN inventory_rfid_counts c ON c.store_id = x.store_id AND c.at >= $2
       GROUP BY x.store_id`,
      [storeIds, since],
    );
    return rows.map((r) => {
      const skusCounted = Number(r.skus_counted);
      const skusMatching = Number(r.skus_matching);
      return {
        storeId: r.store_id,
        counts: r.counts,
        skusCounted,
        skusMatching,
        unitsCounted: Number(r.units_counted),
        unitsOff: Number(r.units_off),
        lastCountAt: r.last_at === null ? null : Number(r.last_at),
        accuracy: accuracyOf(skusMatching, skusCounted),
      };
    });
  }

  /** Deletes summaries of counts finished before `before`; returns how many. */
  async prune(before: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'WITH gone AS (DELETE FROM inventory_rfid_counts WHERE at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
      [before],
    );
    return rows[0]?.n ?? 0;
  }
}

/**
 * The `stock.counted` handler: a run of one store's count summaries, each checked against the shared schema (a bad
 * one is refused alone, and parked by the hub), the rest written in one statement.
 */
export async function applyCountEvents(
  repo: RfidCountsRepository,
  events: readonly AppliedEvent[],
  now: number,
): Promise<HandlerResult> {
  const { valid, refused } = partitionByPayload('stock.counted', events);
  if (valid.length)
    await repo.insert(
      valid[0]!.origin,
      valid.map((e) => ({ ...stockCountedSchema.parse(e.payload), originSeq: e.seq })),
      now,
    );
  return { rejected: refused };
}
