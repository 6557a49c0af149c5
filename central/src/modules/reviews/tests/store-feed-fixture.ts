import { randomUUID } from 'node:crypto';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { type ReviewsParts, reviewsParts } from '../index.js';
import { markStoreDirty } from '../store-dirty.js';

export interface SeedReview {
  readonly sku: string;
  readonly rating: number;
  readonly status?: 'APPROVED' | 'MANUAL_REVIEW' | 'REJECTED' | 'DELETED';
  readonly title?: string;
  readonly body?: string;
  readonly author?: string;
  readonly helpful?: number;
  readonly verified?: boolean;
  readonly createdAt?: number;
  readonly response?: string;
}

/**
 * A test hub with the reviews module's context caught when it mounts its routes, and reviews written straight into
 * the tables as the reviews service leaves them: the rows, the per-product summaries (and the totals row `'*'`)
 * recounted, the products marked dirty for the stores.
 */
export class StoreFeedHub {
  private constructor(
    readonly t: TestHub,
    readonly ctx: HubContext,
  ) {}

  static async start(target: DbTarget): Promise<StoreFeedHub> {
    let caught: HubContext | undefined;
    const modules = (await discoverModules()).map((m): HubModule => {
      if (m.name !== 'reviews') return m;
      return {
        ...m,
        routes: (ctx) => {
          caught = ctx;
          return m.routes!(ctx);
        },
      };
    });
    const t = await TestHub.start(target, { modules });
    if (!caught) throw new Error('the reviews module mounted no routes');
    return new StoreFeedHub(t, caught);
  }

  get parts(): ReviewsParts {
    return reviewsParts(this.ctx);
  }
  get db() {
    return this.ctx.db;
  }

  /** `n` stores as rows (no credential): what the feed job feeds. Returns their ids. */
  async stores(n: number, prefix = 'RV'): Promise<string[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    const now = this.ctx.now();
    for (let k = 0; k < n; k += 1_000) {
      const part = ids.slice(k, k + 1_000);
      await this.db.query(
        `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
         SELECT id, $2 || '-' || (n + $3)::text, 'Store ' || (n + $3)::text, 'STORE', 40.7, -74, $4, $4
         FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)`,
        [part, prefix, k, now],
      );
    }
    return ids;
  }

  /** Writes reviews, recounts their products' summaries and the totals, and marks the products dirty. */
  async review(...list: SeedReview[]): Promise<string[]> {
    const ids: string[] = [];
    const now = this.ctx.now();
    await this.db.transaction(async (tx) => {
      for (const r of list) {
        const id = randomUUID();
        ids.push(id);
        await tx.query(
          `INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, verified, helpful,
             created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
          [
            id,
            r.sku,
            randomUUID(),
            r.rating,
            r.title ?? `${r.rating} stars`,
            r.body ?? 'Does what it says on the tin.',
            r.author ?? 'Ana P.',
            r.status ?? 'APPROVED',
            r.verified ?? false,
            r.helpful ?? 0,
            r.createdAt ?? now,
          ],
        );
        if (r.response !== undefined)
          await tx.query(
            `INSERT INTO review_responses (review_id, body, responder, responder_as, created_at, updated_at)
             VALUES ($1, $2, 'brand-user', 'Acme', $3, $3)`,
            [id, r.response, now],
          );
      }
    });
    await this.recount([...new Set(list.map((r) => r.sku))]);
    return ids;
  }

  /** Moves a review to another status (a moderator, the author deleting it) and recounts its product. */
  async setStatus(id: string, status: string): Promise<void> {
    const { rows } = await this.db.query<{ sku: string }>(
      'UPDATE reviews SET status = $2 WHERE id = $1 RETURNING sku',
      [id, status],
    );
    await this.recount(rows.map((r) => r.sku));
  }

  /** A vote: the top reviews change, the summary does not. */
  async vote(id: string, helpful: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ sku: string }>('UPDATE reviews SET helpful = $2 WHERE id = $1 RETURNING sku', [
        id,
        helpful,
      ]);
      await markStoreDirty(
        tx,
        rows.map((r) => r.sku),
        this.ctx.now(),
      );
    });
  }

  async recount(skus: readonly string[]): Promise<void> {
    const now = this.ctx.now();
    await this.db.transaction(async (tx) => {
      for (const sku of [...skus, '*'])
        await tx.query(
          `INSERT INTO review_summaries (sku, n1, n2, n3, n4, n5, verified, with_photos, revision, updated_at)
           SELECT $1, count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
             count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4), count(*) FILTER (WHERE rating = 5),
             count(*) FILTER (WHERE verified), 0, 1, $2
           FROM reviews WHERE status = 'APPROVED' AND ($1 = '*' OR sku = $1)
           ON CONFLICT (sku) DO UPDATE SET n1 = EXCLUDED.n1, n2 = EXCLUDED.n2, n3 = EXCLUDED.n3, n4 = EXCLUDED.n4,
             n5 = EXCLUDED.n5, verified = EXCLUDED.verified, revision = review_summaries.revision + 1,
             updated_at = EXCLUDED.updated_at`,
          [sku, now],
        );
      await markStoreDirty(tx, skus, now);
    });
  }

  /** The `reviews.changed` notices in each store's feed (their revisions), oldest first. */
  async notices(): Promise<Map<string, number[]>> {
    const { rows } = await this.db.query<{ store_id: string; payload: { revision: number } }>(
      "SELECT store_id::text AS store_id, payload FROM sync_feed WHERE type = 'reviews.changed' ORDER BY store_id, seq",
    );
    const out = new Map<string, number[]>();
    for (const r of rows) out.set(r.store_id, [...(out.get(r.store_id) ?? []), r.payload.revision]);
    return out;
  }

  /** Every row of the stores' copy a pull from `after` gets (page by page through the module's `page`), in order. */
  async pullAll(after = 0, limit = 500): Promise<{ products: any[]; revision: number; pages: number }> {
    const products: any[] = [];
    let revision = after;
    let pages = 0;
    for (;;) {
      const page = await this.parts.storeFeed.page(this.db, revision, limit);
      products.push(...page.products);
      revision = page.revision;
      pages++;
      if (!page.more || pages > 1_000) break;
    }
    return { products, revision, pages };
  }

  /** The latest row of each product a pull from 0 gets. */
  async copy(): Promise<Map<string, any>> {
    return new Map((await this.pullAll()).products.map((p) => [p.sku, p]));
  }

  async dirty(): Promise<string[]> {
    const { rows } = await this.db.query<{ sku: string }>('SELECT sku FROM review_store_dirty ORDER BY sku');
    return rows.map((r) => r.sku);
  }

  async stop(): Promise<void> {
    await this.t.stop();
  }
}
