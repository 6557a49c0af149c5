import type { Queryable } from '../../db/db.js';
import type { ReviewCursor } from './cursor.js';
import {
  BAYES_PRIOR_WEIGHT,
  type FraudReasonEntry,
  type ProductSummary,
  type ReviewListQuery,
  type ReviewRevision,
  type ReviewStatus,
} from './types.js';

/** One review row as the repository reads it (lane A owns the shape beyond these fields). */
export interface ReviewRow {
  readonly id: string;
  readonly sku: string;
  readonly customerId: string;
  readonly rating: number;
  readonly status: ReviewStatus;
  readonly verified: boolean;
  readonly photoCount: number;
}

/** The whole row: what views are made of. */
export interface ReviewRecord extends ReviewRow {
  readonly title: string;
  readonly body: string;
  readonly authorName: string;
  readonly helpful: number;
  readonly unhelpful: number;
  readonly reportsOpen: number;
  readonly fraudScore: number;
  readonly fraudReasons: readonly FraudReasonEntry[];
  readonly modelVersion: number | null;
  readonly clientIp: string | null;
  readonly deviceId: string | null;
  readonly revision: number;
  readonly createdAt: number;
  /** When the author last wrote it (submit or edit); a status change leaves it. */
  readonly updatedAt: number;
  readonly moderatedBy: string | null;
  readonly moderatedAt: number | null;
  readonly moderatorNote: string | null;
}

/** A new review's row as the service decided it. */
export type NewReview = Omit<
  ReviewRecord,
  'helpful' | 'unhelpful' | 'reportsOpen' | 'revision' | 'moderatedBy' | 'moderatedAt' | 'moderatorNote'
>;

/** What an edit writes over a review (the caller keeps the old text as a revision first). */
export type ReviewRewrite = Pick<
  ReviewRecord,
  | 'rating'
  | 'title'
  | 'body'
  | 'status'
  | 'verified'
  | 'photoCount'
  | 'fraudScore'
  | 'fraudReasons'
  | 'modelVersion'
  | 'clientIp'
  | 'deviceId'
> & {
  /** The new text's own verdict holds it (not only a hold it kept): reports no longer decide its way back. */
  readonly fraudHolds?: boolean;
};

/** What an approved review adds to its product's summary. */
interface Contribution {
  readonly rating: number;
  readonly verified: boolean;
  readonly withPhotos: boolean;
}

/** The summaries' row of every product's approved reviews (the Bayesian prior's mean); not a valid sku. */
export const TOTALS_KEY = '*';

const COLUMNS = `id, sku, customer_id AS "customerId", rating, status, verified, photo_count AS "photoCount",
  title, body, author_name AS "authorName", helpful, unhelpful, reports_open AS "reportsOpen",
  fraud_score AS "fraudScore", fraud_reasons AS "fraudReasons", model_version AS "modelVersion",
  client_ip AS "clientIp", device_id AS "deviceId", revision, created_at AS "createdAt", updated_at AS "updatedAt",
  moderated_by AS "moderatedBy", moderated_at AS "moderatedAt", moderator_note AS "moderatorNote"`;

function contribution(r: Pick<ReviewRow, 'status' | 'rating' | 'verified' | 'photoCount'>): Contribution | null {
  return r.status === 'APPROVED' ? { rating: r.rating, verified: r.verified, withPhotos: r.photoCount > 0 } : null;
}

/** The list's order and the keyset condition after a cursor, per sort (created_at and id break ties, newest first). */
const SORTS = {
  newest: { order: 'created_at DESC, id DESC', key: null, after: '' },
  helpful: { order: 'helpful DESC, created_at DESC, id DESC', key: 'helpful', after: '<' },
  rating_high: { order: 'rating DESC, created_at DESC, id DESC', key: 'rating', after: '<' },
  rating_low: { order: 'rating ASC, created_at DESC, id DESC', key: 'rating', after: '>' },
} as const;

/**
 * The SQL of reviews (lane A): rows, revisions, the per-product summaries (kept current by `changeStatus` and
 * `rewrite` in the caller's transaction), the verified purchases, the rate-limit counts.
 */
export class ReviewsRepository {
  /** With `deferTotals`: the summaries' moves kept until `flushTotals` (see there); else each moves at once. */
  readonly #pending: Map<string, number[]> | null;
  #pendingAt = 0;

  /**
   * `deferTotals`: keep the summary moves (the product's row and the fleet-wide totals row, a hot row every approved
   * review moves) in memory and write them in one statement when the caller calls `flushTotals()` as the last
   * statement of its transaction, so the totals row's lock is held for the commit only, not through photo attaching
   * and the text's bucket inserts. The caller must flush (the service does in each of its write transactions).
   */
  constructor(
    readonly q: Queryable,
    opts: { readonly deferTotals?: boolean } = {},
  ) {
    this.#pending = opts.deferTotals ? new Map() : null;
  }

  /** Writes the summary moves kept by `deferTotals` (one statement, rows locked in key order) and marks the products. */
  async flushTotals(): Promise<void> {
    if (!this.#pending || this.#pending.size === 0) return;
    const entries = [...this.#pending].filter(([, d]) => d.some((n) => n !== 0));
    const skus = [...this.#pending.keys()].filter((k) => k !== TOTALS_KEY);
    this.#pending.clear();
    await this.markStoreDirty(skus, this.#pendingAt);
    if (entries.length > 0) await this.#apply(entries, this.#pendingAt);
  }

  /** The review (any status) or undefined; `lock` takes its row lock (FOR UPDATE) in the caller's transaction. */
  async get(id: string, lock = false): Promise<ReviewRecord | undefined> {
    const { rows } = await this.q.query<ReviewRecord>(
      `SELECT ${COLUMNS} FROM reviews WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  }

  /**
   * Serializes the caller's transaction with every other write of this customer's reviews (until it ends), so the
   * rate limits and the one-review rule are counted with no parallel submit passing them together.
   */
  async lockCustomer(customerId: string): Promise<void> {
    // the id's canonical text (a uuid's lowercase form), so case variants of one id take the same lock
    await this.q.query(`SELECT pg_advisory_xact_lock(hashtextextended('reviews.customer:' || $1::uuid::text, 0))`, [
      customerId,
    ]);
  }

  /** The id of the customer's standing (not deleted) review of the product, if any. */
  async standing(customerId: string, sku: string): Promise<string | undefined> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id FROM reviews WHERE customer_id = $1 AND sku = $2 AND status <> 'DELETED'`,
      [customerId, sku],
    );
    return rows[0]?.id;
  }

  /**
   * The customer's writes of this product's review after `since`, oldest first: each review's submit (deleted ones
   * included) and each edit (the time each later text was written: the revisions' and the current text's).
   */
  async productWrites(customerId: string, sku: string, since: number): Promise<number[]> {
    const { rows } = await this.q.query<{ at: number }>(
      `SELECT at FROM (
         SELECT created_at AS at FROM reviews WHERE customer_id = $1 AND sku = $2
         UNION ALL
         SELECT updated_at FROM reviews WHERE customer_id = $1 AND sku = $2 AND revision > 1
         UNION ALL
         SELECT v.written_at FROM review_revisions v JOIN reviews r ON r.id = v.review_id
          WHERE r.customer_id = $1 AND r.sku = $2 AND v.revision > 1
       ) w WHERE at > $3 ORDER BY at`,
      [customerId, sku, since],
    );
    return rows.map((r) => Number(r.at));
  }

  /** When the customer submitted each review (any product, deleted ones included) after `since`, oldest first. */
  async newReviews(customerId: string, since: number): Promise<number[]> {
    const { rows } = await this.q.query<{ at: number }>(
      'SELECT created_at AS at FROM reviews WHERE customer_id = $1 AND created_at > $2 ORDER BY created_at',
      [customerId, since],
    );
    return rows.map((r) => Number(r.at));
  }

  /** Whether a purchase of the product by the customer is known (a confirmed order, a carded sale). */
  async purchased(customerId: string, sku: string): Promise<boolean> {
    const { rows } = await this.q.query('SELECT 1 FROM review_purchases WHERE customer_id = $1 AND sku = $2 LIMIT 1', [
      customerId,
      sku,
    ]);
    return rows.length > 0;
  }

  /**
   * Keeps purchases told to REVIEW_PURCHASES (a purchase told again counts once), then gives the verified badge to the
   * customers' standing reviews of those products that lacked it, moving their summaries' verified counts (one path:
   * `#moved`). In the caller's transaction.
   */
  async recordPurchases(
    purchases: readonly {
      customerId: string;
      sku: string;
      source: 'order' | 'pos';
      sourceRef: string;
      storeId: string | null;
      at: number;
    }[],
  ): Promise<void> {
    if (purchases.length === 0) return;
    await this.q.query(
      `INSERT INTO review_purchases (customer_id, sku, source, source_ref, store_id, at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
       ON CONFLICT DO NOTHING`,
      [
        purchases.map((i) => i.customerId),
        purchases.map((i) => i.sku),
        purchases.map((i) => i.source),
        purchases.map((i) => i.sourceRef),
        purchases.map((i) => i.storeId),
        purchases.map((i) => i.at),
      ],
    );
    const { rows } = await this.q.query<Pick<ReviewRow, 'sku' | 'rating' | 'status' | 'photoCount'>>(
      `UPDATE reviews r SET verified = true
         FROM (SELECT DISTINCT c, s FROM unnest($1::uuid[], $2::text[]) AS p (c, s)) p
        WHERE r.customer_id = p.c AND r.sku = p.s AND r.status <> 'DELETED' AND NOT r.verified
       RETURNING r.sku, r.rating, r.status, r.photo_count AS "photoCount"`,
      [purchases.map((i) => i.customerId), purchases.map((i) => i.sku)],
    );
    const at = Math.max(...purchases.map((i) => i.at));
    const moves = new ReviewsRepository(this.q, { deferTotals: true });
    for (const r of rows)
      await moves.#moved(r.sku, contribution({ ...r, verified: false }), contribution({ ...r, verified: true }), at);
    await moves.flushTotals();
  }

  /**
   * Marks products whose rating summary or top reviews changed, for the store feed job (it sends them to every store
   * on its next run and clears them). In the caller's transaction.
   */
  async markStoreDirty(skus: readonly string[], at: number): Promise<void> {
    if (skus.length === 0) return;
    await this.q.query(
      `INSERT INTO review_store_dirty (sku, since) SELECT DISTINCT s, $2::bigint FROM unnest($1::text[]) AS s
       ON CONFLICT (sku) DO NOTHING`,
      [[...new Set(skus)], at],
    );
  }

  /**
   * What a deletion leaves of a review: its text and its revisions' text blanked (the author took them back); the
   * times, address, device and text signature stay for the rate limits and the fraud rules.
   */
  async blankText(id: string): Promise<void> {
    await this.q.query(`UPDATE reviews SET title = '', body = '' WHERE id = $1`, [id]);
    await this.q.query(`UPDATE review_revisions SET title = '', body = '' WHERE review_id = $1`, [id]);
  }

  /** Inserts a new review (revision 1) and counts it in its product's summary when it is approved. */
  async insert(r: NewReview): Promise<void> {
    await this.q.query(
      `INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, verified, photo_count,
         fraud_score, fraud_reasons, model_version, client_ip, device_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $16, $17)`,
      [
        r.id,
        r.sku,
        r.customerId,
        r.rating,
        r.title,
        r.body,
        r.authorName,
        r.status,
        r.verified,
        r.photoCount,
        r.fraudScore,
        JSON.stringify(r.fraudReasons),
        r.modelVersion,
        r.clientIp,
        r.deviceId,
        r.createdAt,
        r.updatedAt,
      ],
    );
    await this.#moved(r.sku, null, contribution(r), r.createdAt);
  }

  /** Sets how many photos the review shows (after PhotoStore.attach), keeping the summary's with-photos count. */
  async setPhotoCount(id: string, count: number, at: number): Promise<void> {
    const before = await this.get(id);
    if (!before || before.photoCount === count) return;
    await this.q.query('UPDATE reviews SET photo_count = $2 WHERE id = $1', [id, count]);
    await this.#moved(before.sku, contribution(before), contribution({ ...before, photoCount: count }), at);
  }

  /** The ids of the review's photos, in order (what a revision keeps of them). */
  async photoIds(reviewId: string): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      'SELECT id FROM review_photos WHERE review_id = $1 ORDER BY position, id',
      [reviewId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * An edit: keeps the text it replaces as a revision (written when the review was last written), writes the new
   * one (revision + 1, written at `at`; the first address and device it was written from stay, since the bursts
   * count by when a review was first written) and moves the summary from the old contribution to the new one. The review's
   * row must be locked by the caller (`get(id, true)`); `before` is that row.
   */
  async rewrite(before: ReviewRecord, oldPhotoIds: readonly string[], next: ReviewRewrite, at: number): Promise<void> {
    await this.q.query(
      `INSERT INTO review_revisions (review_id, revision, rating, title, body, photo_ids, written_at)
       VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7)`,
      [before.id, before.revision, before.rating, before.title, before.body, oldPhotoIds, before.updatedAt],
    );
    await this.q.query(
      `UPDATE reviews SET rating = $2, title = $3, body = $4, status = $5, verified = $6, photo_count = $7,
         fraud_score = $8, fraud_reasons = $9::jsonb, model_version = $10,
         client_ip = COALESCE(client_ip, $11), device_id = COALESCE(device_id, $12),
         revision = revision + 1, updated_at = $13,
         -- a new text the scoring itself holds is no longer the reports' to lift ("keep" would approve it)
         status_before_reports = CASE WHEN $14 THEN NULL ELSE status_before_reports END
       WHERE id = $1`,
      [
        before.id,
        next.rating,
        next.title,
        next.body,
        next.status,
        next.verified,
        next.photoCount,
        next.fraudScore,
        JSON.stringify(next.fraudReasons),
        next.modelVersion,
        next.clientIp,
        next.deviceId,
        at,
        next.fraudHolds === true,
      ],
    );
    await this.#moved(before.sku, contribution(before), contribution(next), at);
  }

  /**
   * Moves a review to `to` and keeps its product's summary and the stores' dirty list current, in the caller's
   * transaction (the review's row locked by the caller). Returns the status it had. No-op (same status) returns it.
   * Throws when there is no such review.
   */
  async changeStatus(id: string, to: ReviewStatus, at: number): Promise<ReviewStatus> {
    const before = await this.get(id, true);
    if (!before) throw new Error(`review ${id} not found`);
    if (before.status === to) return to;
    await this.q.query('UPDATE reviews SET status = $2 WHERE id = $1', [id, to]);
    await this.#moved(before.sku, contribution(before), contribution({ ...before, status: to }), at);
    return before.status;
  }

  /**
   * Takes `before` out of and puts `after` into the product's summary and the totals row (one statement; the totals
   * row first, so transactions touching several products lock rows in one order), and marks the product for the
   * stores. Nothing when the review was and stays not shown. With `deferTotals` the move waits for `flushTotals`.
   */
  async #moved(sku: string, before: Contribution | null, after: Contribution | null, at: number): Promise<void> {
    if (before === null && after === null) return;
    const d = [0, 0, 0, 0, 0, 0, 0]; // n1..n5, verified, with_photos
    for (const [c, sign] of [
      [before, -1],
      [after, 1],
    ] as const) {
      if (c === null) continue;
      d[c.rating - 1]! += sign;
      if (c.verified) d[5]! += sign;
      if (c.withPhotos) d[6]! += sign;
    }
    if (this.#pending) {
      for (const key of [TOTALS_KEY, sku]) {
        const sum = this.#pending.get(key) ?? [0, 0, 0, 0, 0, 0, 0];
        this.#pending.set(
          key,
          sum.map((n, i) => n + d[i]!),
        );
      }
      this.#pendingAt = Math.max(this.#pendingAt, at);
      return;
    }
    await this.#apply(
      [
        [TOTALS_KEY, d],
        [sku, d],
      ],
      at,
    );
    await this.markStoreDirty([sku], at);
  }

  /** Adds each key's deltas (n1..n5, verified, with_photos) to its summary row, in key order (the totals row first). */
  async #apply(entries: readonly (readonly [string, readonly number[]])[], at: number): Promise<void> {
    const col = (i: number) => entries.map(([, d]) => d[i]!);
    await this.q.query(
      `INSERT INTO review_summaries AS s (sku, n1, n2, n3, n4, n5, verified, with_photos, revision, updated_at)
       SELECT k, a, b, c, d, e, v, w, 1, $9 FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[],
         $6::int[], $7::int[], $8::int[]) AS m (k, a, b, c, d, e, v, w) ORDER BY k
       ON CONFLICT (sku) DO UPDATE SET n1 = s.n1 + EXCLUDED.n1, n2 = s.n2 + EXCLUDED.n2, n3 = s.n3 + EXCLUDED.n3,
         n4 = s.n4 + EXCLUDED.n4, n5 = s.n5 + EXCLUDED.n5, verified = s.verified + EXCLUDED.verified,
         with_photos = s.with_photos + EXCLUDED.with_photos, revision = s.revision + 1,
         updated_at = GREATEST(s.updated_at, EXCLUDED.updated_at)`,
      [entries.map(([k]) => k), col(0), col(1), col(2), col(3), col(4), col(5), col(6), at],
    );
  }

  /** A product's summary (zeros when it has no approved review). */
  async summary(sku: string): Promise<ProductSummary> {
    const { rows } = await this.q.query<{
      sku: string;
      n1: number;
      n2: number;
      n3: number;
      n4: number;
      n5: number;
      verified: number;
      with_photos: number;
      revision: number;
      updated_at: number;
    }>(
      `SELECT sku, n1, n2, n3, n4, n5, verified, with_photos, revision, updated_at FROM review_summaries
        WHERE sku = ANY($1::text[])`,
      [[TOTALS_KEY, sku]],
    );
    const row = rows.find((r) => r.sku === sku);
    const totals = rows.find((r) => r.sku === TOTALS_KEY);
    const histogram = [row?.n1 ?? 0, row?.n2 ?? 0, row?.n3 ?? 0, row?.n4 ?? 0, row?.n5 ?? 0].map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const stats = (h: readonly number[]) => ({
      count: h.reduce((a, n) => a + n, 0),
      sum: h.reduce((a, n, i) => a + n * (i + 1), 0),
    });
    const mine = stats(histogram);
    const all = totals
      ? stats([totals.n1, totals.n2, totals.n3, totals.n4, totals.n5].map(Number))
      : { count: 0, sum: 0 };
    const prior = all.count > 0 ? all.sum / all.count : 0;
    return {
      sku,
      count: mine.count,
      average: mine.count > 0 ? mine.sum / mine.count : 0,
      bayesian: (BAYES_PRIOR_WEIGHT * prior + mine.sum) / (BAYES_PRIOR_WEIGHT + mine.count),
      histogram,
      verified: Number(row?.verified ?? 0),
      withPhotos: Number(row?.with_photos ?? 0),
      revision: Number(row?.revision ?? 0),
      updatedAt: Number(row?.updated_at ?? 0),
    };
  }

  /** One page of a product's approved reviews (`limit` + 1 rows read: the extra one says there is a next page). */
  async list(query: ReviewListQuery, after: ReviewCursor | null): Promise<ReviewRecord[]> {
    const sort = SORTS[query.sort];
    const params: unknown[] = [query.sku];
    const where = [`sku = $1`, `status = 'APPROVED'`];
    if (query.verifiedOnly) where.push('verified');
    if (query.withPhotos) where.push('photo_count > 0');
    if (query.rating !== null) {
      params.push(query.rating);
      where.push(`rating = $${params.length}`);
    }
    if (after) {
      params.push(after.createdAt, after.id);
      const tie = `(created_at, id) < ($${params.length - 1}::bigint, $${params.length}::uuid)`;
      if (sort.key === null) where.push(tie);
      else {
        params.push(after.key);
        const k = `$${params.length}::int`;
        where.push(`(${sort.key} ${sort.after} ${k} OR (${sort.key} = ${k} AND ${tie}))`);
      }
    }
    params.push(query.limit + 1);
    const { rows } = await this.q.query<ReviewRecord>(
      `SELECT ${COLUMNS} FROM reviews WHERE ${where.join(' AND ')} ORDER BY ${sort.order} LIMIT $${params.length}`,
      params,
    );
    return rows;
  }

  /** A customer's reviews, newest first, at most `limit` (deleted ones only with `withDeleted`). */
  async ofCustomer(customerId: string, withDeleted: boolean, limit: number): Promise<ReviewRecord[]> {
    const { rows } = await this.q.query<ReviewRecord>(
      `SELECT ${COLUMNS} FROM reviews WHERE customer_id = $1 ${withDeleted ? '' : `AND status <> 'DELETED'`}
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [customerId, limit],
    );
    return rows;
  }

  /** A review's earlier texts, oldest first. */
  async revisions(reviewId: string): Promise<ReviewRevision[]> {
    const { rows } = await this.q.query<ReviewRevision>(
      `SELECT revision, rating, title, body, photo_ids AS "photoIds", written_at AS "writtenAt"
         FROM review_revisions WHERE review_id = $1 ORDER BY revision`,
      [reviewId],
    );
    return rows.map((r) => ({ ...r, writtenAt: Number(r.writtenAt) }));
  }
}
