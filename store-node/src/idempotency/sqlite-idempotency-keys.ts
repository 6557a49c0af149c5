import { randomBytes } from 'node:crypto';
import type { IdempotencyRecord, IdempotencyStore } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

interface AnswerRow {
  request_hash: string;
  state: 'pending' | 'done';
  status: number | null;
  content_type: string | null;
  body: string | null;
}

/**
 * The first answers to keyed writes, per caller, in the store's SQLite file (all of their SQL). Implements the shared
 * middleware's store; SQLite answers at once, so its methods return resolved values.
 */
export class SqliteIdempotencyKeys implements IdempotencyStore {
  constructor(readonly db: SqliteDb) {}

  async claim(scope: string, key: string, requestHash: string, now: number): Promise<boolean> {
    return (
      this.db
        .prepare(
          `INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (scope, key) DO NOTHING`,
        )
        .run(scope, key, requestHash, now).changes === 1
    );
  }

  async find(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const r = this.db
      .prepare(
        'SELECT request_hash, state, status, content_type, body FROM idempotency_keys WHERE scope = ? AND key = ?',
      )
      .get(scope, key) as AnswerRow | undefined;
    return (
      r && { requestHash: r.request_hash, state: r.state, status: r.status, contentType: r.content_type, body: r.body }
    );
  }

  async complete(scope: string, key: string, status: number, contentType: string | null, body: string): Promise<void> {
    this.db
      .prepare(
        `UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ? WHERE scope = ? AND key = ?`,
      )
      .run(status, contentType, body, scope, key);
  }

  async release(scope: string, key: string): Promise<void> {
    this.db.prepare(`DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'pending'`).run(scope, key);
  }

  /**
   * Drops every pending claim. Only at start-up: the node is one process, so a claim still pending then belongs to
   * a request that died with the previous run, and its retry must run.
   */
  clearPending(): number {
    return this.db.prepare(`DELETE FROM idempotency_keys WHERE state = 'pending'`).run().changes;
  }

  purgeOlderThan(cutoff: number): number {
    return this.db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?').run(cutoff).changes;
  }

  /** The node's fingerprint key, made on first use and kept in the file. */
  fingerprintKey(): string {
    this.db
      .prepare('INSERT INTO idempotency_fingerprint_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING')
      .run(randomBytes(32).toString('base64url'));
    return (this.db.prepare('SELECT key FROM idempotency_fingerprint_key WHERE id = 1').get() as { key: string }).key;
  }
}
