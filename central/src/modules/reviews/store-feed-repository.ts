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
}

const HISTOGRAM = 'n1::int AS n1, n2::int AS n2, n3::int AS n3, n4::int AS n4, n5::int AS n5';
type CountsRow = { sku: string; n1: number; n2: number; n3: number; n4: number; n5: number };
const toSummary = (r: CountsRow & { revision: string | number; updated_at: string | number }): SummaryRow => ({
  sku: r.sku,
  histogram: [r.n1, r.n2, r.n3, r.n4, r.n5],
  revision: Number(r.revision),
  updatedAt: Number(r.updated_at),
});

/** The SQL of the stores' copy (store-feed.ts): the dirty products taken, their summaries and top reviews, the stores. */
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

  /** New revisions for `skus`: the clock `now`, and past the last one each was sent with. */
  async nextRevisions(skus: readonly string[], now: number): Promise<Map<string, number>> {
    if (!skus.length) return new Map();
    const { rows } = await this.q.query<{ sku: string; revision: string | number }>(
      `INSERT INTO review_store_sent (sku, revision) SELECT s, $2::bigint FROM unnest($1::text[]) AS s
       ON CONFLICT (sku) DO UPDATE SET revision = greatest(review_store_sent.revision + 1, EXCLUDED.revision)
       RETURNING sku, revision`,
      [skus, Math.max(1, now)],
    );
    return new Map(rows.map((r) => [r.sku, Number(r.revision)]));
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

  /** Up to `n` approved reviews of each of `skus`: most helpful first, then newest. */
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
    }>(
      `SELECT t.id::text AS id, t.sku, t.rating::int AS rating, t.title, t.body, t.author_name AS author, t.verified,
              t.helpful, t.created_at, rr.body AS response
       FROM unnest($1::text[]) AS s(sku)
       CROSS JOIN LATERAL (
         SELECT r.* FROM reviews r WHERE r.sku = s.sku AND r.status = 'APPROVED'
         ORDER BY r.helpful DESC, r.created_at DESC, r.id LIMIT $2) t
       LEFT JOIN review_responses rr ON rr.review_id = t.id
       ORDER BY t.sku, t.helpful DESC, t.created_at DESC, t.id`,
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
      });
    }
    return out;
  }

  /** Stores after `after` in id order (every store gets every product's entry). */
  async storesAfter(after: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id::text AS id FROM locations WHERE kind = 'STORE' AND ($1::text IS NULL OR id::text > $1)
       ORDER BY id::text LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Products with approved reviews. */
  async shownCount(): Promise<number> {
    const { rows } = await this.q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM review_summaries WHERE sku <> '*' AND n1 + n2 + n3 + n4 + n5 > 0`,
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * A page of products with approved reviews after `after` in sku order, each with the revision it was last sent with
   * (its summary's own, at least 1, when it was never sent).
   */
  async shownPage(after: string | null, limit: number): Promise<SummaryRow[]> {
    const { rows } = await this.q.query<CountsRow & { revision: string; updated_at: string }>(
      `SELECT s.sku, ${HISTOGRAM}, coalesce(x.revision, greatest(s.revision, 1)) AS revision, s.updated_at
       FROM review_summaries s LEFT JOIN review_store_sent x ON x.sku = s.sku
       WHERE s.sku <> '*' AND s.n1 + s.n2 + s.n3 + s.n4 + s.n5 > 0 AND ($1::text IS NULL OR s.sku > $1)
       ORDER BY s.sku LIMIT $2`,
      [after, limit],
    );
    return rows.map(toSummary);
  }
}
