import type { Queryable } from '../../db/db.js';
import type { PriceBook, PriceBookEntry, PriceBookScope, Region } from './types.js';

type BookDbRow = {
  id: string;
  name: string;
  scope: string;
  store_id: string | null;
  region_id: string | null;
  currency: string;
  entries: number | string;
  created_at: number | string;
  updated_at: number | string;
};
const toBook = (r: BookDbRow): PriceBook => ({
  id: r.id,
  name: r.name,
  scope: r.scope as PriceBookScope,
  storeId: r.store_id,
  regionId: r.region_id,
  currency: r.currency,
  entries: Number(r.entries),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
const BOOK_COLUMNS = `b.id, b.name, b.scope, b.store_id, b.region_id, b.currency, b.created_at, b.updated_at,
  (SELECT count(*) FROM pricing_entries e WHERE e.book_id = b.id AND NOT e.deleted) AS entries`;

type EntryDbRow = {
  id: string;
  book_id: string;
  sku: string;
  price_minor: number | string;
  member_price_minor: number | string | null;
  valid_from: number | string;
  valid_to: number | string | null;
  revision: number | string;
  updated_at: number | string;
};
const toEntry = (r: EntryDbRow): PriceBookEntry => ({
  id: r.id,
  bookId: r.book_id,
  sku: r.sku,
  priceMinor: Number(r.price_minor),
  memberPriceMinor: r.member_price_minor === null ? null : Number(r.member_price_minor),
  from: Number(r.valid_from),
  to: r.valid_to === null ? null : Number(r.valid_to),
  revision: Number(r.revision),
  updatedAt: Number(r.updated_at),
});
const ENTRY_COLUMNS = 'id, book_id, sku, price_minor, member_price_minor, valid_from, valid_to, revision, updated_at';

/** An entry to write: its id (kept when it replaces the live entry of the same sku and start) and revision. */
export interface EntryWrite {
  readonly id: string;
  readonly sku: string;
  readonly priceMinor: number;
  readonly memberPriceMinor: number | null;
  readonly from: number;
  readonly to: number | null;
  readonly revision: number;
}

/** All SQL of regions, stores' regions, price books and their entries (books.ts). */
export class BooksRepository {
  constructor(readonly q: Queryable) {}

  async regions(): Promise<Region[]> {
    const { rows } = await this.q.query<{ id: string; name: string; stores: number | string }>(
      `SELECT r.id, r.name, (SELECT count(*) FROM pricing_store_regions s WHERE s.region_id = r.id) AS stores
       FROM pricing_regions r ORDER BY r.id`,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, stores: Number(r.stores) }));
  }

  async region(id: string): Promise<Region | null> {
    return (await this.regions()).find((r) => r.id === id) ?? null;
  }

  async putRegion(id: string, name: string, now: number): Promise<void> {
    await this.q.query(
      `INSERT INTO pricing_regions (id, name, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`,
      [id, name, now],
    );
  }

  async regionExists(id: string): Promise<boolean> {
    const { rows } = await this.q.query('SELECT 1 FROM pricing_regions WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** Whether `storeId` is a store (a location of kind STORE). */
  async storeExists(storeId: string): Promise<boolean> {
    const { rows } = await this.q.query("SELECT 1 FROM locations WHERE id = $1::uuid AND kind = 'STORE'", [storeId]);
    return rows.length > 0;
  }

  /** Which of these ids are stores. */
  async storesAmong(storeIds: readonly string[]): Promise<Set<string>> {
    if (storeIds.length === 0) return new Set();
    const { rows } = await this.q.query<{ id: string }>(
      "SELECT id::text AS id FROM locations WHERE id = ANY($1::uuid[]) AND kind = 'STORE'",
      [storeIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  async regionsAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.q.query<{ id: string }>('SELECT id FROM pricing_regions WHERE id = ANY($1::text[])', [
      ids,
    ]);
    return new Set(rows.map((r) => r.id));
  }

  async storeRegion(storeId: string): Promise<string | null> {
    const { rows } = await this.q.query<{ region_id: string | null }>(
      'SELECT region_id FROM pricing_store_regions WHERE store_id = $1::uuid',
      [storeId],
    );
    return rows[0]?.region_id ?? null;
  }

  async setStoreRegion(storeId: string, regionId: string | null, revision: number): Promise<void> {
    await this.q.query(
      `INSERT INTO pricing_store_regions (store_id, region_id, revision) VALUES ($1, $2, $3)
       ON CONFLICT (store_id) DO UPDATE SET region_id = EXCLUDED.region_id, revision = EXCLUDED.revision`,
      [storeId, regionId, revision],
    );
  }

  /** Every book (`place` null), or those that apply at a store: the chain's, its region's, its own. */
  async books(place: { storeId: string; regionId: string | null } | null): Promise<PriceBook[]> {
    const { rows } =
      place === null
        ? await this.q.query<BookDbRow>(`SELECT ${BOOK_COLUMNS} FROM pricing_books b ORDER BY b.scope, b.name, b.id`)
        : await this.q.query<BookDbRow>(
            `SELECT ${BOOK_COLUMNS} FROM pricing_books b
             WHERE b.scope = 'CHAIN' OR (b.scope = 'REGION' AND b.region_id = $2::text) OR b.store_id = $1::uuid
             ORDER BY b.scope, b.name, b.id`,
            [place.storeId, place.regionId],
          );
    return rows.map(toBook);
  }

  async book(id: string): Promise<PriceBook | null> {
    const { rows } = await this.q.query<BookDbRow>(`SELECT ${BOOK_COLUMNS} FROM pricing_books b WHERE b.id = $1`, [id]);
    return rows[0] ? toBook(rows[0]) : null;
  }

  /** Inserts a book; false when its target (the chain, the region, the store) has one already. */
  async insertBook(b: Omit<PriceBook, 'entries' | 'updatedAt'>): Promise<boolean> {
    const { rows } = await this.q.query(
      `INSERT INTO pricing_books (id, name, scope, store_id, region_id, currency, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING RETURNING id`,
      [b.id, b.name, b.scope, b.storeId, b.regionId, b.currency, b.createdAt],
    );
    return rows.length > 0;
  }

  async renameBook(id: string, name: string, now: number): Promise<boolean> {
    const { rowCount } = await this.q.query('UPDATE pricing_books SET name = $2, updated_at = $3 WHERE id = $1', [
      id,
      name,
      now,
    ]);
    return rowCount > 0;
  }

  /** Live entries in (sku, from, id) order after the entry `after`, optionally of one sku. */
  async entries(bookId: string, sku: string | null, after: string | null, limit: number): Promise<PriceBookEntry[]> {
    const { rows } = await this.q.query<EntryDbRow>(
      `SELECT ${ENTRY_COLUMNS} FROM pricing_entries
       WHERE book_id = $1 AND NOT deleted AND ($2::text IS NULL OR sku = $2::text)
         AND ($3::uuid IS NULL OR (sku, valid_from, id) > (SELECT sku, valid_from, id FROM pricing_entries WHERE id = $3::uuid))
       ORDER BY sku, valid_from, id LIMIT $4`,
      [bookId, sku, after, limit],
    );
    return rows.map(toEntry);
  }

  /** Live entries of these skus starting at these times (the ones a write replaces), keyed `sku from`. */
  async liveAt(bookId: string, keys: readonly { sku: string; from: number }[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.q.query<{ id: string; sku: string; valid_from: number | string }>(
      `SELECT e.id, e.sku, e.valid_from FROM pricing_entries e
       JOIN unnest($2::text[], $3::bigint[]) AS k(sku, f) ON e.sku = k.sku AND e.valid_from = k.f
       WHERE e.book_id = $1 AND NOT e.deleted`,
      [bookId, keys.map((k) => k.sku), keys.map((k) => k.from)],
    );
    return new Map(rows.map((r) => [`${r.sku} ${Number(r.valid_from)}`, r.id]));
  }

  /** Writes entries (new rows, or the live row of the same sku and start replaced in place under its id). */
  async putEntries(bookId: string, entries: readonly EntryWrite[], now: number): Promise<void> {
    if (entries.length === 0) return;
    await this.q.query(
      `INSERT INTO pricing_entries (id, book_id, sku, price_minor, member_price_minor, valid_from, valid_to, revision,
         created_at, updated_at)
       SELECT x.id, $1, x.sku, x.p, x.m, x.f, x.t, x.r, $9, $9
       FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
         AS x(id, sku, p, m, f, t, r)
       ON CONFLICT (id) DO UPDATE SET price_minor = EXCLUDED.price_minor,
         member_price_minor = EXCLUDED.member_price_minor, valid_to = EXCLUDED.valid_to, revision = EXCLUDED.revision,
         updated_at = EXCLUDED.updated_at`,
      [
        bookId,
        entries.map((e) => e.id),
        entries.map((e) => e.sku),
        entries.map((e) => e.priceMinor),
        entries.map((e) => e.memberPriceMinor),
        entries.map((e) => e.from),
        entries.map((e) => e.to),
        entries.map((e) => e.revision),
        now,
      ],
    );
    await this.q.query('UPDATE pricing_books SET updated_at = $2 WHERE id = $1', [bookId, now]);
  }

  /** Tombstones a live entry; false when the book holds no such live entry. */
  async deleteEntry(bookId: string, entryId: string, revision: number, now: number): Promise<boolean> {
    const { rowCount } = await this.q.query(
      `UPDATE pricing_entries SET deleted = true, revision = $3, updated_at = $4
       WHERE id = $2::uuid AND book_id = $1 AND NOT deleted`,
      [bookId, entryId, revision, now],
    );
    return rowCount > 0;
  }

  async entryLive(bookId: string, entryId: string): Promise<boolean> {
    const { rows } = await this.q.query(
      'SELECT 1 FROM pricing_entries WHERE id = $2::uuid AND book_id = $1 AND NOT deleted',
      [bookId, entryId],
    );
    return rows.length > 0;
  }

  /** Live future entries of a sku in the books that apply at a place (the sku view's "upcoming"). */
  async upcoming(
    place: { storeId: string | null; regionId: string | null },
    sku: string,
    after: number,
  ): Promise<PriceBookEntry[]> {
    const { rows } = await this.q.query<EntryDbRow>(
      `SELECT e.id, e.book_id, e.sku, e.price_minor, e.member_price_minor, e.valid_from, e.valid_to, e.revision,
         e.updated_at
       FROM pricing_entries e JOIN pricing_books b ON b.id = e.book_id
       WHERE NOT e.deleted AND e.sku = $3 AND e.valid_from > $4
         AND (b.scope = 'CHAIN' OR (b.scope = 'REGION' AND b.region_id = $2::text) OR (b.scope = 'STORE' AND b.store_id = $1::uuid))
       ORDER BY e.valid_from, e.id LIMIT 100`,
      [place.storeId, place.regionId, sku, after],
    );
    return rows.map(toEntry);
  }
}
