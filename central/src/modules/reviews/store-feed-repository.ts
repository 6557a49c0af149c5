import type { ReviewStoreProduct } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

/** A product's approved-review counts as `review_summaries` keeps them. */
export interface SummaryRow {
  readonly sku: string;
  readonly histogram: [number, number, number, number, number];
  readonly revision: number;
  readonly updatedAt: number;
}

/** One approved review of a product, best first within it, with the brand's answer. */
export interface TopReviewRow {
  readonly id: string;
  readonly sku: string;
  readonly rating: number;
  readonly title: string;
  readonly body: string;
  readonly author: string;
  readonly verified: boolean;
  readonly helpful: number;
  readonly createdAt: number;
  readonly response: string | null;
  /** Who answered (the response's `as`), null with no response. */
  readonly responseAs: string | null;
}

const HISTOGRAM = 'n1::int AS n1, n2::int AS n2, n3::int AS n3, n4::int AS n4, n5::int AS n5';
type CountsRow = { sku: string; n1: number; n2: number; n3: number; n4: number; n5: number };
const toSummary = (r: CountsRow & { revision: string | number; updated_at: string | number }): SummaryRow => ({
  sku: r.sku,
  histogram: [r.n1, r.n2, r.n3, r.n4, r.n5],
  revision: Number(r.revision),
  updatedAt: Number(r.updated_at),
});

/**
 * The SQL of the stores' copy (store-feed.ts): the dirty products taken, their summaries and top reviews, the copy
 * kept once at the hub (`review_store_products`) and its announcement.
 */
export class ReviewsStoreFeedRepository {
  constructor(readonly q: Queryable) {}

  /**
   * Moves up to `limit` dirty products (oldest first, less those a run that died left) into `review_store_feeding`,
   * and returns every product there, oldest first. Call in a transaction.
   */
  async claim(limit: number): Promise<string[]> {
    await this.q.query(
      `WITH left_over AS (SELECT count(*)::int AS n FROM review_store_feeding),
       taken AS (
         DELETE FROM review_store_dirty WHERE sku IN (
           SELECT sku FROM review_store_dirty ORDER BY since, sku
           LIMIT greatest(0, $1::int - (SELECT n FROM left_over)) FOR UPDATE SKIP LOCKED)
         RETURNING sku, since)
       INSERT INTO review_store_feeding (sku, since) SELECT sku, since FROM taken
       ON CONFLICT (sku) DO UPDATE SET since = least(review_store_feeding.since, EXCLUDED.since)`,
      [limit],
    );
    const { rows } = await this.q.query<{ sku: string }>(
      'SELECT sku FROM review_store_feeding ORDER BY since, sku LIMIT $1',
      [limit],
    );
    return rows.map((r) => r.sku);
  }

  /** The products sent: out of `review_store_feeding`. */
  async done(skus: readonly string[]): Promise<void> {
    if (skus.length) await this.q.query('DELETE FROM review_store_feeding WHERE sku = ANY($1::text[])', [skus]);
  }

  /** The catalog's mean approved rating: the totals row `'*'` (kept with the summaries), else summed here; 0 for none. */
  async catalogMean(): Promise<number> {
    const { rows } = await this.q.query<{ n: string | number; total: string | number }>(
      `SELECT coalesce(sum(n1 + n2 + n3 + n4 + n5), 0) AS n,
              coalesce(sum(n1 + 2 * n2 + 3 * n3 + 4 * n4 + 5 * n5), 0) AS total
       FROM review_summaries
       WHERE CASE WHEN EXISTS (SELECT 1 FROM review_summaries WHERE sku = '*') THEN sku = '*' ELSE sku <> '*' END`,
    );
    const n = Number(rows[0]?.n ?? 0);
    return n > 0 ? Number(rows[0]!.total) / n : 0;
  }

  /** The summaries of `skus` that have a row. */
  async summaries(skus: readonly string[]): Promise<Map<string, SummaryRow>> {
    if (!skus.length) return new Map();
    const { rows } = await this.q.query<CountsRow & { revision: string; updated_at: string }>(
      `SELECT sku, ${HISTOGRAM}, revision, updated_at FROM review_summaries WHERE sku = ANY($1::text[])`,
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, toSummary(r)]));
  }

  /**
   * Up to `n` approved reviews of each of `skus`: most helpful first, then newest, then id descending — the product
   * list's `helpful` order, so a store's top three are the list's first three.
   */
  async top(skus: readonly string[], n: number): Promise<Map<string, TopReviewRow[]>> {
    const out = new Map<string, TopReviewRow[]>();
    if (!skus.length) return out;
    const { rows } = await this.q.query<{
      id: string;
      sku: string;
      rating: number;
      title: string;
      body: string;
      author: string;
      verified: boolean;
      helpful: number;
      created_at: string;
      response: string | null;
      response_as: string | null;
    }>(
      `SELECT t.id::text AS id, t.sku, t.rating::int AS rating, t.title, t.body, t.author_name AS author, t.verified,
              t.helpful, t.created_at, rr.body AS response, rr.responder_as AS response_as
       FROM unnest($1::text[]) AS s(sku)
       CROSS JOIN LATERAL (
         SELECT r.* FROM reviews r WHERE r.sku = s.sku AND r.status = 'APPROVED'
         ORDER BY r.helpful DESC, r.created_at DESC, r.id DESC LIMIT $2) t
       LEFT JOIN review_responses rr ON rr.review_id = t.id
       ORDER BY t.sku, t.helpful DESC, t.created_at DESC, t.id DESC`,
      [skus, n],
    );
    for (const r of rows) {
      const list = out.get(r.sku) ?? [];
      out.set(r.sku, list);
      list.push({
        id: r.id,
        sku: r.sku,
        rating: r.rating,
        title: r.title,
        body: r.body,
        author: r.author,
        verified: r.verified,
        helpful: r.helpful,
        createdAt: Number(r.created_at),
        response: r.response,
        responseAs: r.response === null ? null : r.response_as,
      });
    }
    return out;
  }

  /** The revision last announced, its row locked until the transaction ends: one writer of the copy at a time. */
  async lockAnnounced(): Promise<number> {
    const { rows } = await this.q.query<{ revision: string }>(
      'SELECT revision::text AS revision FROM review_store_announced WHERE id = 1 FOR UPDATE',
    );
    return Number(rows[0]?.revision ?? 0);
  }

  async setAnnounced(revision: number): Promise<void> {
    await this.q.query('UPDATE review_store_announced SET revision = $1 WHERE id = 1', [revision]);
  }

  /** The copy's rows of `skus` as stored (each a `ReviewStoreProduct`). */
  async held(skus: readonly string[]): Promise<Map<string, ReviewStoreProduct>> {
    if (!skus.length) return new Map();
    const { rows } = await this.q.query<{ sku: string; payload: ReviewStoreProduct }>(
      'SELECT sku, payload FROM review_store_products WHERE sku = ANY($1::text[])',
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, r.payload]));
  }

  /** `n` new revisions from the one growing sequence, ascending. Call under `lockAnnounced`. */
  async nextRevisions(n: number): Promise<number[]> {
    if (n <= 0) return [];
    const { rows } = await this.q.query<{ r: string }>(
      "SELECT nextval('review_store_revision')::text AS r FROM generate_series(1, $1::int) ORDER BY 1",
      [n],
    );
    return rows.map((r) => Number(r.r)).sort((a, b) => a - b);
  }

  /** Keeps `products` as the copy's rows (one per sku, replacing the one held). */
  async put(products: readonly ReviewStoreProduct[], now: number): Promise<void> {
    if (!products.length) return;
    await this.q.query(
      `INSERT INTO review_store_products (sku, revision, payload, updated_at)
       SELECT p->>'sku', (p->>'revision')::bigint, p, $2 FROM jsonb_array_elements($1::jsonb) AS p
       ON CONFLICT (sku) DO UPDATE SET revision = EXCLUDED.revision, payload = EXCLUDED.payload,
         updated_at = EXCLUDED.updated_at`,
      [JSON.stringify(products), now],
    );
  }

  /** The copy's newest revision (0 for none). */
  async newest(): Promise<number> {
    const { rows } = await this.q.query<{ r: string }>(
      'SELECT coalesce(max(revision), 0)::text AS r FROM review_store_products',
    );
    return Number(rows[0]!.r);
  }

  /** Rows in the copy (tombstones too): the cold start's section size. */
  async rowCount(): Promise<number> {
    const { rows } = await this.q.query<{ n: number }>('SELECT count(*)::int AS n FROM review_store_products');
    return rows[0]?.n ?? 0;
  }

  /**
   * Up to `limit` rows changed after revision `after`, in revision order (tombstones too), and the copy's newest
   * revision — read in one statement, so one snapshot: every row up to `newest` is in the page or behind it.
   */
  async changedAfter(after: number, limit: number): Promise<{ products: ReviewStoreProduct[]; newest: number }> {
    const { rows } = await this.q.query<{ newest: string; payload: ReviewStoreProduct | null }>(
      `SELECT t.newest::text AS newest, p.payload
       FROM (SELECT coalesce(max(revision), 0) AS newest FROM review_store_products) t
       LEFT JOIN LATERAL (
         SELECT revision, payload FROM review_store_products WHERE revision > $1 ORDER BY revision LIMIT $2) p ON true
       ORDER BY p.revision`,
      [after, limit],
    );
    return {
      products: rows.flatMap((r) => (r.payload ? [r.payload] : [])),
      newest: Number(rows[0]?.newest ?? 0),
    };
  }
}
