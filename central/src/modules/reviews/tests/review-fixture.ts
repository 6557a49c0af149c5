import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../db/db.js';
import type { ReviewStatus } from '../types.js';

/** A review row as a test wants it; every field but none required. */
export interface ReviewFixture {
  readonly id?: string;
  readonly sku?: string;
  readonly customerId?: string;
  readonly rating?: number;
  readonly title?: string;
  readonly body?: string;
  readonly authorName?: string;
  readonly status?: ReviewStatus;
  readonly verified?: boolean;
  readonly helpful?: number;
  readonly unhelpful?: number;
  readonly reportsOpen?: number;
  readonly clientIp?: string | null;
  readonly deviceId?: string | null;
  /** Epoch ms (created and updated); Date.now() when left out. */
  readonly at?: number;
}

/**
 * Inserts one review row straight into `reviews` (no scoring, no summary kept: a test that needs the summary writes
 * it or goes through the API). Resolves with the row's id and what was written.
 */
export async function insertReview(
  db: Queryable,
  r: ReviewFixture = {},
): Promise<{ id: string; sku: string; customerId: string; status: ReviewStatus }> {
  const row = {
    id: r.id ?? randomUUID(),
    sku: r.sku ?? 'SKU-REVIEWED',
    customerId: r.customerId ?? randomUUID(),
    status: r.status ?? 'APPROVED',
  };
  const at = r.at ?? Date.now();
  await db.query(
    `INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, verified, helpful, unhelpful,
       reports_open, client_ip, device_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
    [
      row.id,
      row.sku,
      row.customerId,
      r.rating ?? 4,
      r.title ?? 'Does the job',
      r.body ?? 'Works as described, would buy again.',
      r.authorName ?? 'Ana P.',
      row.status,
      r.verified ?? false,
      r.helpful ?? 0,
      r.unhelpful ?? 0,
      r.reportsOpen ?? 0,
      r.clientIp ?? null,
      r.deviceId ?? null,
      at,
    ],
  );
  return row;
}
