import type { PriceEntry, PriceEntryRow, Promotion, PromotionRow, SigningKey, SigningKeyRow } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** Where the copy stands (pricing_sync). */
export interface PricingSyncState {
  /** Every hub row up to here is applied. */
  readonly revision: number;
  /** The newest revision a `pricing.changed` notice named. */
  readonly wanted: number;
  readonly regionId: string | null;
  /** Whether a page said the store's region yet. */
  readonly regionKnown: boolean;
  readonly currency: string | null;
  readonly pulledAt: number | null;
  readonly refused: number;
}

/** A product of the store's catalog as pricing needs it. */
export interface PricingProduct {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly priceMinor: number;
  readonly taxClass: string;
}

/** What the copy holds (tombstones left out). */
export interface PricingCounts {
  readonly entries: number;
  readonly promotions: number;
  readonly keys: number;
  readonly usedCoupons: number;
  readonly usedHere: number;
}

interface EntrySql {
  id: string;
  book_id: string;
  scope: PriceEntry['scope'];
  sku: string;
  price_minor: number;
  member_price_minor: number | null;
  valid_from: number;
  valid_to: number | null;
  revision: number;
}

/** All of the store's SQL for its copy of the hub's pricing rules (and the catalog lookups its routes need). */
export class PricingRepository {
  readonly #putEntry;
  readonly #putPromotion;
  readonly #putKey;
  readonly #putUsedFromHub;
  readonly #putUsedHere;
  readonly #dropUsedFromHub;
  readonly #isUsed;
  readonly #state;
  readonly #entries;
  readonly #promotions;
  readonly #keys;
  readonly #maxRevision;
  readonly #bySku;
  readonly #byGtin;
  readonly #entriesOf;

  constructor(readonly db: SqliteDb) {
    // A row replaces the held one only when it is newer: a page applied twice, or an older one late, changes nothing.
    this.#putEntry = db.prepare(
      `INSERT INTO pricing_entries (id, book_id, scope, sku, price_minor, member_price_minor, valid_from, valid_to, revision, deleted)
       VALUES (@id, @bookId, @scope, @sku, @priceMinor, @memberPriceMinor, @from, @to, @revision, @deleted)
       ON CONFLICT (id) DO UPDATE SET book_id = excluded.book_id, scope = excluded.scope, sku = excluded.sku,
         price_minor = excluded.price_minor, member_price_minor = excluded.member_price_minor,
         valid_from = excluded.valid_from, valid_to = excluded.valid_to, revision = excluded.revision,
         deleted = excluded.deleted
       WHERE excluded.revision > pricing_entries.revision`,
    );
    this.#putPromotion = db.prepare(
      `INSERT INTO pricing_promotions (id, revision, deleted, body) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted, body = excluded.body
       WHERE excluded.revision > pricing_promotions.revision`,
    );
    this.#putKey = db.prepare(
      `INSERT INTO pricing_keys (key_id, public_key, created_at, retired_at, revision)
       VALUES (@keyId, @publicKey, @createdAt, @retiredAt, @revision)
       ON CONFLICT (key_id) DO UPDATE SET public_key = excluded.public_key, created_at = excluded.created_at,
         retired_at = excluded.retired_at, revision = excluded.revision
       WHERE excluded.revision > pricing_keys.revision`,
    );
    this.#putUsedFromHub = db.prepare(
      `INSERT INTO pricing_used_coupons (coupon_id, source, revision, sale_id, at) VALUES (?, 'HUB', ?, NULL, ?)
       ON CONFLICT (coupon_id) DO UPDATE SET revision = MAX(COALESCE(pricing_used_coupons.revision, 0), excluded.revision)`,
    );
    this.#putUsedHere = db.prepare(
      `INSERT INTO pricing_used_coupons (coupon_id, source, revision, sale_id, at) VALUES (?, 'HERE', NULL, ?, ?)
       ON CONFLICT (coupon_id) DO NOTHING`,
    );
    // A coupon the hub gave back: its copy of the hub's row goes (a sale here that took it keeps its own row).
    this.#dropUsedFromHub = db.prepare("DELETE FROM pricing_used_coupons WHERE coupon_id = ? AND source = 'HUB'");
    this.#isUsed = db.prepare('SELECT 1 FROM pricing_used_coupons WHERE coupon_id = ?').pluck();
    this.#state = db.prepare(
      `SELECT revision, wanted, region_id AS regionId, region_known AS regionKnown, currency, pulled_at AS pulledAt,
         refused FROM pricing_sync WHERE id = 1`,
    );
    this.#entries = db.prepare(
      `SELECT id, book_id, scope, sku, price_minor, member_price_minor, valid_from, valid_to, revision
       FROM pricing_entries WHERE deleted = 0 ORDER BY id`,
    );
    this.#promotions = db.prepare('SELECT body FROM pricing_promotions WHERE deleted = 0 ORDER BY id').pluck();
    this.#keys = db.prepare(
      `SELECT key_id AS keyId, public_key AS publicKey, created_at AS createdAt, retired_at AS retiredAt
       FROM pricing_keys ORDER BY key_id`,
    );
    this.#maxRevision = db
      .prepare(
        `SELECT MAX(COALESCE((SELECT MAX(revision) FROM pricing_entries), 0),
           COALESCE((SELECT MAX(revision) FROM pricing_promotions), 0),
           COALESCE((SELECT MAX(revision) FROM pricing_keys), 0),
           COALESCE((SELECT MAX(revision) FROM pricing_used_coupons), 0),
           (SELECT revision FROM pricing_sync WHERE id = 1))`,
      )
      .pluck();
    const product =
      'SELECT sku, name, category, price_minor AS priceMinor, tax_class AS taxClass FROM catalog_products';
    this.#bySku = db.prepare(`${product} WHERE sku = ?`);
    this.#byGtin = db.prepare(`${product} WHERE gtin = ? LIMIT 1`);
    this.#entriesOf = db.prepare(
      `SELECT id, book_id, scope, sku, price_minor, member_price_minor, valid_from, valid_to, revision
       FROM pricing_entries WHERE sku = ? AND deleted = 0 ORDER BY valid_from, id`,
    );
  }

  /** Keeps a price entry (or its tombstone) when it is newer than the held one. Call inside a transaction. */
  putEntry(e: PriceEntryRow): void {
    this.#putEntry.run({
      id: e.id,
      bookId: e.bookId,
      scope: e.scope,
      sku: e.sku,
      priceMinor: e.priceMinor,
      memberPriceMinor: e.memberPriceMinor,
      from: e.from,
      to: e.to,
      revision: e.revision,
      deleted: e.deleted ? 1 : 0,
    });
  }

  putPromotion(p: PromotionRow): void {
    const { deleted, ...promotion } = p;
    this.#putPromotion.run(p.id, p.revision, deleted ? 1 : 0, deleted ? null : JSON.stringify(promotion));
  }

  putKey(k: SigningKeyRow): void {
    this.#putKey.run(k);
  }

  /** A coupon head office has seen used. */
  putUsedFromHub(couponId: string, revision: number, now: number): void {
    this.#putUsedFromHub.run(couponId, revision, now);
  }

  /** A coupon head office gave back (the order that used it failed or was cancelled): it prices again here. */
  dropUsedFromHub(couponId: string): void {
    this.#dropUsedFromHub.run(couponId);
  }

  /** A coupon a sale here took (inside the sale's transaction). */
  putUsedHere(couponId: string, saleId: string, at: number): void {
    this.#putUsedHere.run(couponId, saleId, at);
  }

  isUsed(couponId: string): boolean {
    return this.#isUsed.get(couponId) !== undefined;
  }

  /** The store moved to another region: its old region's entries no longer apply. */
  dropRegionEntries(): number {
    return this.db.prepare("DELETE FROM pricing_entries WHERE scope = 'REGION'").run().changes;
  }

  state(): PricingSyncState {
    const s = this.#state.get() as Omit<PricingSyncState, 'regionKnown'> & { regionKnown: number };
    return { ...s, regionKnown: s.regionKnown === 1 };
  }

  /** The copy holds every row up to `revision` (never lowered here). */
  advance(revision: number): void {
    this.db.prepare('UPDATE pricing_sync SET revision = MAX(revision, ?) WHERE id = 1').run(revision);
  }

  /** Pull everything again from the start (the region changed: its books' older rows are needed). */
  restart(): void {
    this.db.prepare('UPDATE pricing_sync SET revision = 0 WHERE id = 1').run();
  }

  setRegion(regionId: string | null, currency: string): void {
    this.db
      .prepare('UPDATE pricing_sync SET region_id = ?, region_known = 1, currency = ? WHERE id = 1')
      .run(regionId, currency);
  }

  want(revision: number): void {
    this.db.prepare('UPDATE pricing_sync SET wanted = MAX(wanted, ?) WHERE id = 1').run(revision);
  }

  /** A pull reached the end: when it was pulled, and `wanted` lowered to what the hub served when asked for. */
  settle(now: number, wanted: number): void {
    this.db.prepare('UPDATE pricing_sync SET pulled_at = ?, wanted = ? WHERE id = 1').run(now, wanted);
  }

  countRefused(n: number): void {
    this.db.prepare('UPDATE pricing_sync SET refused = refused + ? WHERE id = 1').run(n);
  }

  entries(): PriceEntry[] {
    return (this.#entries.all() as EntrySql[]).map(toEntry);
  }

  /** A sku's entries (every window held, past and future). */
  entriesOf(sku: string): PriceEntry[] {
    return (this.#entriesOf.all(sku) as EntrySql[]).map(toEntry);
  }

  promotions(): Promotion[] {
    return (this.#promotions.all() as string[]).map((b) => JSON.parse(b) as Promotion);
  }

  keys(): SigningKey[] {
    return this.#keys.all() as SigningKey[];
  }

  /** The highest revision of anything held. */
  maxRevision(): number {
    return this.#maxRevision.get() as number;
  }

  counts(): PricingCounts {
    const n = (sql: string) => this.db.prepare(sql).pluck().get() as number;
    return {
      entries: n('SELECT count(*) FROM pricing_entries WHERE deleted = 0'),
      promotions: n('SELECT count(*) FROM pricing_promotions WHERE deleted = 0'),
      keys: n('SELECT count(*) FROM pricing_keys'),
      usedCoupons: n('SELECT count(*) FROM pricing_used_coupons'),
      usedHere: n("SELECT count(*) FROM pricing_used_coupons WHERE source = 'HERE'"),
    };
  }

  /** A typed sku first, then a scanned barcode's GTIN-14 (as the POS finds products). */
  product(code: string, gtin14: string | undefined): PricingProduct | undefined {
    return (this.#bySku.get(code) ?? (gtin14 ? this.#byGtin.get(gtin14) : undefined)) as PricingProduct | undefined;
  }
}

const toEntry = (r: EntrySql): PriceEntry => ({
  bookId: r.book_id,
  scope: r.scope,
  sku: r.sku,
  priceMinor: r.price_minor,
  memberPriceMinor: r.member_price_minor,
  from: r.valid_from,
  to: r.valid_to,
  revision: r.revision,
});
