import type { Queryable } from '../../db/db.js';

/**
 * The registry's token signing key (`registry_signing_keys`): made once for the whole database, whichever hub replica
 * starts first. Every replica offers its fresh key and keeps the one that is stored (INSERT … ON CONFLICT DO NOTHING,
 * then SELECT), so two replicas starting together still sign with one key.
 */
export const authRepository = {
  async ensureKey(q: Queryable, id: string, offered: Buffer, now: number): Promise<Buffer> {
    await q.query(
      `INSERT INTO registry_signing_keys (id, key, created_at) VALUES ($1, $2, to_timestamp($3::double precision / 1000))
       ON CONFLICT (id) DO NOTHING`,
      [id, offered, now],
    );
    const { rows } = await q.query<{ key: Uint8Array }>('SELECT key FROM registry_signing_keys WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) throw new Error(`registry signing key ${id} vanished after it was stored`);
    return Buffer.from(row.key);
  },
};
