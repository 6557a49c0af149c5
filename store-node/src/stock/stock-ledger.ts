import type { MovementKind, StockMoved } from '@storefleet/shared';
import { MultiRowInsert } from '../db/multi-row.js';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { Emit } from '../sync/store-sync.js';

export type StockKind = MovementKind;

/** The `stock.moved` payload (shared/src/protocol/events.ts) of one movement. */
const moved = (sku: string, delta: number, kind: StockKind, at: number, ref?: string): StockMoved => ({
  sku,
  delta,
  kind,
  at,
  ...(ref ? { ref } : {}),
});

/**
 * The one way store code moves stock: the local count changes and a `stock.moved` event for the hub is emitted, in
 * the caller's transaction (`node.sync.write`), so the store's view and the hub's PN-counter never disagree for long.
 */
export class StockLedger {
  readonly #move;
  readonly #moveAll;
  readonly #level;

  constructor(readonly db: SqliteDb) {
    this.#move = db.prepare(
      `INSERT INTO stock (sku, on_hand, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand, updated_at = excluded.updated_at`,
    );
    this.#moveAll = new MultiRowInsert(
      db,
      'INSERT INTO stock (sku, on_hand, updated_at) VALUES',
      '(?, ?, ?)',
      'ON CONFLICT (sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand, updated_at = excluded.updated_at',
    );
    this.#level = db.prepare('SELECT on_hand FROM stock WHERE sku = ?').pluck();
  }

  move(emit: Emit, sku: string, delta: number, kind: StockKind, at: number, ref?: string): void {
    this.#move.run(sku, delta, at);
    emit('stock.moved', moved(sku, delta, kind, at, ref));
  }

  /** The movements of one document (a sale, a return, a pickup) in one statement each for stock and outbox. */
  moveAll(
    emit: Emit,
    moves: readonly { sku: string; delta: number }[],
    kind: StockKind,
    at: number,
    ref?: string,
  ): void {
    this.#moveAll.run(moves.map((m) => [m.sku, m.delta, at]));
    emit.all(moves.map((m) => ({ type: 'stock.moved', payload: moved(m.sku, m.delta, kind, at, ref) })));
  }

  onHand(sku: string): number {
    return (this.#level.get(sku) as number | undefined) ?? 0;
  }

  lowStock(limit: number): { sku: string; onHand: number; lowStockAt: number }[] {
    return this.db
      .prepare(
        'SELECT sku, on_hand AS onHand, low_stock_at AS lowStockAt FROM stock WHERE on_hand <= low_stock_at ORDER BY on_hand - low_stock_at, sku LIMIT ?',
      )
      .all(limit) as { sku: string; onHand: number; lowStockAt: number }[];
  }

  setThreshold(sku: string, lowStockAt: number, at: number): void {
    this.db
      .prepare(
        'INSERT INTO stock (sku, low_stock_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET low_stock_at = excluded.low_stock_at, updated_at = excluded.updated_at',
      )
      .run(sku, lowStockAt, at);
  }
}

/**
 * The bootstrap sink for the hub's `stock` section: on-hand as the hub counts it, plus this file's own movements.
 * A bootstrapping file has never connected (the uploader starts after the bootstrap), so none of its outbox
 * events is in the hub's count yet: a sale rung up during the cold start is added on top, not lost.
 */
export function applyStockSnapshot(db: SqliteDb, rows: readonly unknown[]): void {
  const local = new Map(
    (
      db
        .prepare(
          `SELECT json_extract(payload, '$.sku') AS sku, SUM(json_extract(payload, '$.delta')) AS delta FROM sync_outbox WHERE type = 'stock.moved' GROUP BY 1`,
        )
        .all() as { sku: string; delta: number }[]
    ).map((r) => [r.sku, r.delta]),
  );
  const put = db.prepare(
    'INSERT INTO stock (sku, on_hand, updated_at) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, updated_at = excluded.updated_at',
  );
  const at = Date.now();
  for (const r of rows as { sku: string; onHand: number }[]) put.run(r.sku, r.onHand + (local.get(r.sku) ?? 0), at);
}

export const stockMigrations = new URL('./schema/', import.meta.url);
