import type { IdempotencyRecord, IdempotencyStore } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

export interface StoredAnswer extends IdempotencyRecord {
  readonly createdAt: number;
}

interface AnswerRow {
  request_hash: string;
  state: 'pending' | 'done';
  status: number | null;
  content_type: string | null;
  body: string | null;
  created_at: number;
}

/** The hub's first answers to keyed writes, in Postgres (all of their SQL); the shared middleware's store. */
export class IdempotencyRepository implements IdempotencyStore {
  constructor(readonly db: Queryable) {}

  /** Claims the key; false when someone already holds it. */
  async claim(scope: string, key: string, requestHash: string, now: number): Promise<boolean> {
    const res = await this.db.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at) VALUES ($1, $2, $3, 'pending', $4)
       ON CONFLICT (scope, key) DO NOTHING`,
      [scope, key, requestHash, now],
    );
    return res.rowCount === 1;
  }

  /** Takes over a claim whose holder died before answering (pending since before `staleBefore`). */
  async reclaimStale(
    scope: string,
    key: string,
    requestHash: string,
    staleBefore: number,
    now: number,
  ): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE idempotency_keys SET created_at = $5
       WHERE scope = $1 AND key = $2 AND request_hash = $3 AND state = 'pending' AND created_at < $4`,
      [scope, key, requestHash, staleBefore, now],
    );
    return res.rowCount === 1;
  }

  async find(scope: string, key: string): Promise<StoredAnswer | undefined> {
    const { rows } = await this.db.query<AnswerRow>(
      'SELECT request_hash, state, status, content_type, body, created_at FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const r = rows[0];
    return (
      r && {
        requestHash: r.request_hash,
        state: r.state,
        status: r.status,
        contentType: r.content_type,
        body: r.body,
        createdAt: r.created_at,
      }
    );
  }

  async complete(scope: string, key: string, status: number, contentType: string | null, body: string): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', status = $3, content_type = $4, body = $5 WHERE scope = $1 AND key = $2`,
      [scope, key, status, contentType, body],
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'pending'`, [
      scope,
      key,
    ]);
  }

  async purgeOlderThan(cutoff: number): Promise<number> {
    return (await this.db.query('DELETE FROM idempotency_keys WHERE created_at < $1', [cutoff])).rowCount;
  }
}
