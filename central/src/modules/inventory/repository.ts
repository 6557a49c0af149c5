import type { Db, Queryable } from '../../db/db.js';
import { distanceKmSql, withinBoxSql } from '../../kernel/geo-sql.js';
import { available, monthPartition, netBySku } from './stock-rules.js';
import type { Movement, MovementKind, MovementSource, NearbyStore, StockLevel } from './types.js';

export type NewMovement = Movement;

/** The farthest "nearby" reaches (REST's radiusKm and GraphQL's): past it, a shopper would not go for the goods. */
export const NEARBY_MAX_KM = 500;

interface StockRow {
  store_id: string;
  sku: string;
  on_hand: number;
  reserved: number;
  safety: number;
  updated_at: number;
}

const toLevel = (r: StockRow): StockLevel => ({
  storeId: r.store_id,
  sku: r.sku,
  onHand: r.on_hand,
  reserved: r.reserved,
  safety: r.safety,
  available: available(r.on_hand, r.reserved, r.safety),
  updatedAt: r.updated_at,
});

/** All SQL of the inventory module. */
export class InventoryRepository {
  constructor(readonly db: Queryable) {}

  /** Adds the movements to the PN-counter (one upsert per sku) and to the history (one insert). */
  async applyMovements(storeId: string, moves: readonly NewMovement[], now: number): Promise<void> {
    if (!moves.length) return;
    const net = netBySku(moves);
    await this.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at)
       SELECT $1, s, d, $4 FROM unnest($2::text[], $3::bigint[]) AS x(s, d)
       ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = inventory_stock.on_hand + EXCLUDED.on_hand, updated_at = $4`,
      [storeId, [...net.keys()], [...net.values()], now],
    );
    const col = <K extends keyof NewMovement>(k: K) => moves.map((m) => m[k]);
    await this.db.query(
      `INSERT INTO inventory_movements (store_id, sku, delta, kind, source, origin_seq, at)
       SELECT $1, s, d, k, src, o, a FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
         AS x(s, d, k, src, o, a)`,
      [storeId, col('sku'), col('delta'), col('kind'), col('source'), col('originSeq'), col('at')],
    );
  }

  async level(storeId: string, sku: string): Promise<StockLevel | undefined> {
    const { rows } = await this.db.query<StockRow>('SELECT * FROM inventory_stock WHERE store_id = $1 AND sku = $2', [
      storeId,
      sku,
    ]);
    return rows[0] && toLevel(rows[0]);
  }

  /** A store's stock rows by sku (keyset paging after `after`), those whose sku starts with `prefix` when given. */
  async levels(storeId: string, prefix: string | null, after: string | null, limit: number): Promise<StockLevel[]> {
    const { rows } = await this.db.query<StockRow>(
      `SELECT * FROM inventory_stock WHERE store_id = $1 AND ($2::text IS NULL OR sku LIKE $2 || '%') AND ($3::text IS NULL OR sku > $3)
       ORDER BY sku LIMIT $4`,
      [storeId, prefix?.replace(/[%_\\]/g, '\\$&') ?? null, after, limit],
    );
    return rows.map(toLevel);
  }

  async movements(storeId: string, sku: string, limit: number): Promise<Movement[]> {
    const { rows } = await this.db.query<{
      sku: string;
      delta: number;
      kind: MovementKind;
      source: MovementSource;
      origin_seq: number | null;
      at: number;
    }>(
      'SELECT sku, delta, kind, source, origin_seq, at FROM inventory_movements WHERE store_id = $1 AND sku = $2 ORDER BY at DESC LIMIT $3',
      [storeId, sku, limit],
    );
    return rows.map((r) => ({
      sku: r.sku,
      delta: r.delta,
      kind: r.kind,
      source: r.source,
      originSeq: r.origin_seq,
      at: r.at,
    }));
  }

  async setSafety(storeId: string, sku: string, safety: number, now: number): Promise<StockLevel> {
    const { rows } = await this.db.query<StockRow>(
      `INSERT INTO inventory_stock (store_id, sku, safety, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store_id, sku) DO UPDATE SET safety = $3, updated_at = $4 RETURNING *`,
      [storeId, sku, safety, now],
    );
    return toLevel(rows[0]!);
  }

  async setLeadTime(
    storeId: string,
    sku: string,
    days: number,
    now: number,
  ): Promise<StockLevel & { leadTimeDays: number }> {
    const { rows } = await this.db.query<StockRow & { lead_time_days: number }>(
      `INSERT INTO inventory_stock (store_id, sku, lead_time_days, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store_id, sku) DO UPDATE SET lead_time_days = $3, updated_at = $4 RETURNING *`,
      [storeId, sku, days, now],
    );
    return { ...toLevel(rows[0]!), leadTimeDays: rows[0]!.lead_time_days };
  }

  /** What a location can promise of a sku now (on hand − reserved − safety), without locking: a soft check for carts. */
  async availableAt(locationId: string, sku: string): Promise<number> {
    const { rows } = await this.db.query<{ a: number }>(
      'SELECT on_hand - reserved - safety AS a FROM inventory_stock WHERE store_id = $1 AND sku = $2',
      [locationId, sku],
    );
    return Math.max(0, Number(rows[0]?.a ?? 0));
  }

  /** What `locationId` can promise of each of `skus` (at most 1,000), in one read; a sku it does not stock is 0. */
  async availableManyAt(locationId: string, skus: readonly string[]): Promise<Map<string, number>> {
    if (skus.length > 1000) throw new RangeError(`at most 1,000 skus a read, not ${skus.length}`);
    const out = new Map<string, number>(skus.map((sku) => [sku, 0]));
    if (skus.length === 0) return out;
    const { rows } = await this.db.query<{ sku: string; a: number }>(
      'SELECT sku, on_hand - reserved - safety AS a FROM inventory_stock WHERE store_id = $1 AND sku = ANY($2::text[])',
      [locationId, skus],
    );
    for (const r of rows) out.set(r.sku, Math.max(0, Number(r.a)));
    return out;
  }

  /** Distribution centres that can cover every line, most stock first (for orders shipped from a DC). */
  async dcsCovering(lines: readonly { sku: string; qty: number }[]): Promise<{ id: string; available: number }[]> {
    const { rows } = await this.db.query<{ id: string; available: number }>(
      `SELECT l.id, min(s.on_hand - s.reserved - s.safety)::bigint AS available
       FROM locations l JOIN inventory_stock s ON s.store_id = l.id
       JOIN unnest($1::text[], $2::bigint[]) AS want(sku, qty) ON want.sku = s.sku
       WHERE l.kind = 'DC' AND s.on_hand - s.reserved - s.safety >= want.qty
       GROUP BY l.id HAVING count(*) = $3 ORDER BY available DESC, l.id LIMIT 10`,
      [lines.map((l) => l.sku), lines.map((l) => l.qty), lines.length],
    );
    return rows.map((r) => ({ id: r.id, available: Number(r.available) }));
  }

  /** A page of one store's on-hand counts in sku order: its cold start after a disk replacement. */
  async snapshotPage(storeId: string, after: string | null, limit: number): Promise<{ sku: string; onHand: number }[]> {
    const { rows } = await this.db.query<{ sku: string; onHand: number }>(
      'SELECT sku, on_hand AS "onHand" FROM inventory_stock WHERE store_id = $1 AND sku > $2 ORDER BY sku LIMIT $3',
      [storeId, after ?? '', limit],
    );
    return rows;
  }

  async snapshotCount(storeId: string): Promise<number> {
    return (
      await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM inventory_stock WHERE store_id = $1', [
        storeId,
      ])
    ).rows[0]!.n;
  }

  /**
   * Stores (kind STORE) within `radiusKm` of a point with at least `qty` available, nearest first. Distance is the
   * haversine great-circle distance; a bounding box on lat/lon lets the planner skip far rows before the trigonometry
   * (both from kernel/geo-sql, the fragments GraphQL's `nearby` uses too).
   */
  async nearby(
    sku: string,
    lat: number,
    lon: number,
    radiusKm: number,
    qty: number,
    limit: number,
  ): Promise<NearbyStore[]> {
    const { rows } = await this.db.query<{
      store_id: string;
      code: string;
      name: string;
      km: number;
      available: number;
    }>(
      `SELECT * FROM (
         SELECT l.id AS store_id, l.code, l.name, ${distanceKmSql('$2::float8', '$3::float8', 'l.lat', 'l.lon')} AS km,
                GREATEST(s.on_hand - s.reserved - s.safety, 0) AS available
         FROM inventory_stock s JOIN locations l ON l.id = s.store_id
         WHERE s.sku = $1 AND l.kind = 'STORE' AND s.on_hand - s.reserved - s.safety >= $5
           AND ${withinBoxSql('l.lat', 'l.lon', '$2::float8', '$3::float8', '$4::float8')}
       ) near WHERE km <= $4::float8 ORDER BY km, code LIMIT $6`,
      [sku, lat, lon, radiusKm, qty, limit],
    );
    return rows.map((r) => ({
      storeId: r.store_id,
      code: r.code,
      name: r.name,
      distanceKm: Math.round(r.km * 100) / 100,
      available: Number(r.available),
    }));
  }
}

/** Creates the monthly partitions of movement history from `fromMs` for `months` months (idempotent). */
export async function ensureMovementPartitions(db: Db, fromMs: number, months: number): Promise<string[]> {
  const made: string[] = [];
  const start = new Date(fromMs);
  for (let i = 0; i < months; i++) {
    const p = monthPartition(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i, 1));
    const exists = await db.query('SELECT 1 FROM pg_class WHERE relname = $1', [p.name]);
    if (exists.rowCount) continue;
    try {
      // Movements for this month may already sit in the default partition (a store clock far ahead, or a hub that
      // applied events before its partitions existed): move them into the new month, then attach it, in one
      // transaction. A plain CREATE … PARTITION OF would fail on them, and keep failing at every start.
      await db.transaction(async (tx) => {
        await tx.query(`CREATE TABLE ${p.name} (LIKE inventory_movements INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        const range = `at >= ${p.from} AND at < ${p.to}`;
        await tx.query(
          `WITH moved AS (DELETE FROM inventory_movements_default WHERE ${range} RETURNING *) INSERT INTO ${p.name} SELECT * FROM moved`,
        );
        await tx.query(
          `ALTER TABLE inventory_movements ATTACH PARTITION ${p.name} FOR VALUES FROM (${p.from}) TO (${p.to})`,
        );
      });
      made.push(p.name);
    } catch (err) {
      // Another replica created it at the same moment: fine. Anything else is for the caller to report.
      if (!(await db.query('SELECT 1 FROM pg_class WHERE relname = $1', [p.name])).rowCount) throw err;
    }
  }
  return made;
}
