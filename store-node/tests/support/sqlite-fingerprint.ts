import { createHash } from 'node:crypto';
import type { SqliteDb } from '../../src/db/open-sqlite.js';

/** Replayed answers, pairing-guess bookkeeping and migrations: a refused request may touch these, nothing else. */
export const STORE_BOOKKEEPING_TABLES = new Set(['idempotency_keys', 'pairing_codes', 'schema_migrations']);

/** Row count and a hash of the rows of every other table of the store's SQLite file: equal strings, same data. */
export function storeFingerprint(db: SqliteDb): string {
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((t) => !STORE_BOOKKEEPING_TABLES.has(t));
  return tables
    .map((t) => {
      const rows = (db.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[][])
        .map((r) =>
          JSON.stringify(r, (_k, v) =>
            typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('hex') : v,
          ),
        )
        .sort();
      return `${t}:${rows.length}:${createHash('md5').update(rows.join('|')).digest('hex')}`;
    })
    .join('\n');
}
