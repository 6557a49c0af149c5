import { partitionByPayload, stockCountedSchema, type StockCounted } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { AppliedEvent, HandlerResult } from '../../kernel/event-handlers.js';

/** How long count summaries are kept: the longest window `GET /api/inventory/accuracy` reads. */
export const RFID_COUNTS_KEPT_DAYS = 90;

/**
 * A store's inventory accuracy over a window of whole UTC days, from the summaries of its complete RFID counts
 * (`stock.counted`, summed per store and day): skus whose count matched on-hand ÷ skus counted, over every count in
 * the window. A store that sent no count in the
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

/** A moment's UTC day, as the `date` the day rows are keyed by. */
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The SQL of the count summaries: one row per store and UTC day (`inventory_rfid_count_days`), each day's counts summed
 * into it. A count applies once because the hub applies each store event once (by seq, and a restored store file's
 * repeats by HLC, type and payload); this code adds what it is given.
 */
export class RfidCountsRepository {
  constructor(readonly db: Queryable) {}

  /** Adds one store's counts to their days' rows (made on a day's first count). */
  async insert(storeId: string, counts: readonly StockCounted[], now: number): Promise<void> {
    if (!counts.length) return;
    await this.db.query(
      `INSERT INTO inventory_rfid_count_days
         (store_id, day, counts, skus_counted, skus_matching, units_counted, units_off, last_at, updated_at)
       SELECT $1, x.day, count(*), sum(x."skusCounted"), sum(x."skusMatching"), sum(x."unitsCounted"), sum(x."unitsOff"),
              max(x.at), $3
       FROM jsonb_to_recordset($2::jsonb) AS x(day date, at bigint, "skusCounted" bigint, "skusMatching" bigint,
         "unitsCounted" bigint, "unitsOff" bigint)
       GROUP BY x.day
       ON CONFLICT (store_id, day) DO UPDATE SET
         counts = inventory_rfid_count_days.counts + EXCLUDED.counts,
         skus_counted = inventory_rfid_count_days.skus_counted + EXCLUDED.skus_counted,
         skus_matching = inventory_rfid_count_days.skus_matching + EXCLUDED.skus_matching,
         units_counted = inventory_rfid_count_days.units_counted + EXCLUDED.units_counted,
         units_off = inventory_rfid_count_days.units_off + EXCLUDED.units_off,
         last_at = GREATEST(inventory_rfid_count_days.last_at, EXCLUDED.last_at),
         updated_at = EXCLUDED.updated_at`,
      [storeId, JSON.stringify(counts.map((c) => ({ ...c, day: utcDay(c.at) }))), now],
    );
  }

  /** Each of these stores' accuracy over the counts of the UTC days from the one holding `since` (see `StoreAccuracy`). */
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
      `SELECT x.store_id, coalesce(sum(c.counts), 0)::int AS counts,
              coalesce(sum(c.skus_counted), 0)::bigint AS skus_counted, coalesce(sum(c.skus_matching), 0)::bigint AS skus_matching,
              coalesce(sum(c.units_counted), 0)::bigint AS units_counted, coalesce(sum(c.units_off), 0)::bigint AS units_off,
              max(c.last_at) AS last_at
       FROM unnest($1::uuid[]) AS x(store_id)
       LEFT JOIN inventory_rfid_count_days c ON c.store_id = x.store_id AND c.day >= $2::date
       GROUP BY x.store_id`,
      [storeIds, utcDay(since)],
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

  /** Deletes the days before the UTC day holding `before`; returns how many day rows. */
  async prune(before: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'WITH gone AS (DELETE FROM inventory_rfid_count_days WHERE day < $1::date RETURNING 1) SELECT count(*)::int AS n FROM gone',
      [utcDay(before)],
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
      valid.map((e) => stockCountedSchema.parse(e.payload)),
      now,
    );
  return { rejected: refused };
}
