import type { SigningKey } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

interface Row {
  key_id: string;
  public_key: string;
  created_at: number;
  retired_at: number | null;
}
const toKey = (r: Row): SigningKey => ({
  keyId: r.key_id,
  publicKey: r.public_key,
  createdAt: Number(r.created_at),
  retiredAt: r.retired_at === null ? null : Number(r.retired_at),
});

/** All SQL of the signing keys' public halves. */
export class KeysRepository {
  constructor(readonly q: Queryable) {}

  /** Serialises key changes across every hub on the database, for the caller's transaction. */
  async lock(): Promise<void> {
    await this.q.query("SELECT pg_advisory_xact_lock(hashtext('pricing.signing-keys'))");
  }

  /** Every key, newest first (a key is never deleted: codes name it until they expire). */
  async all(): Promise<SigningKey[]> {
    const { rows } = await this.q.query<Row>(
      'SELECT key_id, public_key, created_at, retired_at FROM pricing_signing_keys ORDER BY created_at DESC, key_id DESC LIMIT 100',
    );
    return rows.map(toKey);
  }

  async insert(k: { keyId: string; publicKey: string; createdAt: number }, revision: number): Promise<void> {
    await this.q.query(
      'INSERT INTO pricing_signing_keys (key_id, public_key, created_at, retired_at, revision) VALUES ($1, $2, $3, NULL, $4)',
      [k.keyId, k.publicKey, k.createdAt, revision],
    );
  }

  /** Retires at `at` every key still in use but `except`; returns their ids. */
  async retireOthers(except: string, at: number, revision: number): Promise<string[]> {
    const { rows } = await this.q.query<{ key_id: string }>(
      `UPDATE pricing_signing_keys SET retired_at = $2, revision = $3
        WHERE retired_at IS NULL AND key_id <> $1 RETURNING key_id`,
      [except, at, revision],
    );
    return rows.map((r) => r.key_id);
  }
}
