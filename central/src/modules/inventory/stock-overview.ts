import type { Queryable } from '../../db/db.js';
import { available } from './stock-rules.js';

/** One store's stock of a sku, with the store's code and name (the console's product page). */
export interface StoreStock {
  readonly storeId: string;
  readonly code: string;
  readonly name: string;
  readonly kind: 'STORE' | 'DC';
  readonly onHand: number;
  readonly reserved: number;
  readonly safety: number;
  readonly available: number;
  readonly updatedAt: number;
}

export interface StockAcrossStores {
  readonly sku: string;
  /** Over every location the caller may see, whatever the page holds. */
  readonly totals: {
    readonly locations: number;
    readonly onHand: number;
    readonly reserved: number;
    readonly available: number;
  };
  readonly items: readonly StoreStock[];
  /** The code to pass as `after` for the next page, or null. */
  readonly next: string | null;
}

/** The console's reads across stores: a sku's stock everywhere (inventory accuracy per store: `rfid-counts.ts`). */
export class StockOverviewRepository {
  constructor(readonly db: Queryable) {}

  /** The sku's stock at each location (by code, keyset after `after`), and totals over all of them. */
  async acrossStores(
    sku: string,
    storeId: string | null,
    after: string | null,
    limit: number,
  ): Promise<StockAcrossStores> {
    const { rows } = await this.db.query<{
      store_id: string;
      code: string;
      name: string;
      kind: 'STORE' | 'DC';
      on_hand: number;
      reserved: number;
      safety: number;
      updated_at: number;
    }>(
      `SELECT s.store_id, l.code, l.name, l.kind, s.on_hand, s.reserved, s.safety, s.updated_at
       FROM inventory_stock s JOIN locations l ON l.id = s.store_id
       WHERE s.sku = $1 AND ($2::uuid IS NULL OR s.store_id = $2) AND ($3::text IS NULL OR l.code > $3)
       ORDER BY l.code LIMIT $4`,
      [sku, storeId, after, limit],
    );
    const { rows: t } = await this.db.query<{ n: number; on_hand: number; reserved: number; available: number }>(
      `SELECT count(*)::int AS n, coalesce(sum(on_hand), 0)::bigint AS on_hand, coalesce(sum(reserved), 0)::bigint AS reserved,
              coalesce(sum(greatest(on_hand - reserved - safety, 0)), 0)::bigint AS available
       FROM inventory_stock WHERE sku = $1 AND ($2::uuid IS NULL OR store_id = $2)`,
      [sku, storeId],
    );
    const items = rows.map((r) => ({
      storeId: r.store_id,
      code: r.code,
      name: r.name,
      kind: r.kind,
      onHand: Number(r.on_hand),
      reserved: Number(r.reserved),
      safety: Number(r.safety),
      available: available(Number(r.on_hand), Number(r.reserved), Number(r.safety)),
      updatedAt: Number(r.updated_at),
    }));
    return {
      sku,
      totals: {
        locations: t[0]?.n ?? 0,
        onHand: Number(t[0]?.on_hand ?? 0),
        reserved: Number(t[0]?.reserved ?? 0),
        available: Number(t[0]?.available ?? 0),
      },
      items,
      next: items.length === limit ? (items.at(-1)?.code ?? null) : null,
    };
  }
}
