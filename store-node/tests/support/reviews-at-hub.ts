import { randomUUID } from 'node:crypto';
import { markStoreDirty } from '../../../central/src/modules/reviews/store-dirty.js';
import type { SyncFixture } from './sync-fixture.js';

/**
 * Reviews at the hub as the reviews module leaves them: the row, its product's summary (and the totals row '*')
 * recounted, the product marked dirty for the stores — in one transaction.
 */
export async function reviewAtHub(
  f: SyncFixture,
  r: { sku: string; rating: number; title: string; body?: string; status?: string; response?: string },
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await f.hub.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, verified, helpful,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'Ana P.', $7, true, 4, $8, $8)`,
      [
        id,
        r.sku,
        randomUUID(),
        r.rating,
        r.title,
        r.body ?? 'Rich and smooth, a lovely crema.',
        r.status ?? 'APPROVED',
        now,
      ],
    );
    if (r.response)
      await tx.query(
        `INSERT INTO review_responses (review_id, body, responder, responder_as, created_at, updated_at)
         VALUES ($1, $2, 'brand', 'Acme', $3, $3)`,
        [id, r.response, now],
      );
  });
  await recountAtHub(f, [r.sku]);
  return id;
}

export async function recountAtHub(f: SyncFixture, skus: string[]): Promise<void> {
  const now = Date.now();
  await f.hub.db.transaction(async (tx) => {
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
