import type { RecsStoreTop } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** A product the store can recommend: in its catalog and in stock here, with what the kiosk's card shows. */
export interface RecsProduct {
  readonly sku: string;
  readonly name: string;
  readonly brand: string | null;
  readonly size: string | null;
  readonly category: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly onHand: number;
  readonly lowStockAt: number;
}

/** One entry of the store's top list, joined with the product. */
export interface TopRow extends RecsProduct {
  readonly score: number;
  readonly reason: string;
}

/** A pair of `anchor` (customers who bought it also bought this): the paired product, its score in the anchor's list and the hub's sentence. */
export interface PairRow extends RecsProduct {
  readonly anchor: string;
  readonly score: number;
  readonly reason: string;
}

/** The model the store's copy came from. */
export interface RecsModelState {
  readonly modelVersion: number;
  readonly generatedAt: number;
  readonly appliedAt: number;
}

const PRODUCT = `p.sku, p.name, p.brand, p.size, p.category, p.price_minor AS priceMinor, p.currency,
  s.on_hand AS onHand, coalesce(s.low_stock_at, 0) AS lowStockAt`;
/**
 * Only what the catalog holds and the store has on hand. CROSS JOIN keeps the short list outermost: left to choose,
 * SQLite (no statistics on a store's file) scanned the whole stock table first — 20 ms against 0.3 ms for 5,000 skus.
 */
const IN_STOCK = 'CROSS JOIN catalog_products p ON p.sku = {sku} CROSS JOIN stock s ON s.sku = p.sku AND s.on_hand > 0';

/** All of the store's SQL for its recommendations copy (the hub's `recs.store-top`). */
export class StoreRecsRepository {
  readonly #model;
  readonly #top;
  readonly #pairs;
  readonly #names;
  readonly #inCatalog;
  readonly #clearTop;
  readonly #clearPairs;
  readonly #putTop;
  readonly #putPair;
  readonly #putModel;

  constructor(readonly db: SqliteDb) {
    this.#model = db.prepare(
      'SELECT model_version AS modelVersion, generated_at AS generatedAt, applied_at AS appliedAt FROM recs_model WHERE id = 1',
    );
    this.#top = db.prepare(
      `SELECT ${PRODUCT}, t.score, t.reason FROM recs_top t ${IN_STOCK.replace('{sku}', 't.sku')} ORDER BY t.position`,
    );
    this.#pairs = db.prepare(
      `SELECT r.sku AS anchor, ${PRODUCT}, r.score, r.reason
       FROM json_each(?) a CROSS JOIN recs_pairs r ON r.sku = a.value ${IN_STOCK.replace('{sku}', 'r.with_sku')}
       ORDER BY r.sku, r.position`,
    );
    this.#names = db.prepare('SELECT sku, name FROM catalog_products WHERE sku IN (SELECT value FROM json_each(?))');
    this.#inCatalog = db.prepare('SELECT 1 FROM catalog_products WHERE sku = ?').pluck();
    this.#clearTop = db.prepare('DELETE FROM recs_top');
    this.#clearPairs = db.prepare('DELETE FROM recs_pairs');
    this.#putTop = db.prepare(
      `INSERT INTO recs_top (sku, position, category, score, reason) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sku) DO NOTHING`,
    );
    this.#putPair = db.prepare(
      `INSERT INTO recs_pairs (sku, with_sku, position, score, reason) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sku, with_sku) DO NOTHING`,
    );
    this.#putModel = db.prepare(
      `INSERT INTO recs_model (id, model_version, generated_at, applied_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET model_version = excluded.model_version, generated_at = excluded.generated_at,
         applied_at = excluded.applied_at`,
    );
  }

  model(): RecsModelState | null {
    return (this.#model.get() as RecsModelState | undefined) ?? null;
  }

  /**
   * Replaces the copy with `top` when it comes from a newer model than the one held — a higher version, or one made
   * later (a hub restored from a backup numbers its models from the backup's again: its new model 3 is newer than the
   * model 7 held, as its `generatedAt` tells) — and returns whether it did. An entry neither numbered nor made later
   * changes nothing (a late entry, a resend, a parked entry replayed). Call inside the feed's transaction.
   */
  replaceIfNewer(top: RecsStoreTop, now: number): boolean {
    const held = this.model();
    if (held && top.modelVersion <= held.modelVersion && top.generatedAt <= held.generatedAt) return false;
    this.#clearTop.run();
    this.#clearPairs.run();
    top.items.forEach((item, i) => {
      this.#putTop.run(item.sku, i, item.category, item.score, item.reason);
    });
    for (const pair of top.pairs)
      pair.with.forEach((w, i) => {
        if (w.sku !== pair.sku) this.#putPair.run(pair.sku, w.sku, i, w.score, w.reason);
      });
    this.#putModel.run(top.modelVersion, top.generatedAt, now);
    return true;
  }

  /** The top list, best first, only the products in the catalog and in stock here. */
  top(): TopRow[] {
    return this.#top.all() as TopRow[];
  }

  /** What is bought with each of `anchors`, best first per anchor, only products in the catalog and in stock here. */
  pairsOf(anchors: readonly string[]): PairRow[] {
    return anchors.length ? (this.#pairs.all(JSON.stringify(anchors)) as PairRow[]) : [];
  }

  /** The catalog's names of `skus` (those it has). */
  names(skus: readonly string[]): Map<string, string> {
    if (!skus.length) return new Map();
    const rows = this.#names.all(JSON.stringify(skus)) as { sku: string; name: string }[];
    return new Map(rows.map((r) => [r.sku, r.name]));
  }

  inCatalog(sku: string): boolean {
    return this.#inCatalog.get(sku) !== undefined;
  }
}
