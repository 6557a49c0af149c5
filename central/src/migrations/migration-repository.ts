import type { AppliedMigration, MigrationFile } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';

/** Any fixed 64-bit number shared by every hub process: the key of the advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 727_274_001;

/** An index as the catalog has it: usable or not, and the connection building it now, if one is. */
export interface IndexState {
  readonly valid: boolean;
  readonly buildingPid: number | null;
}

/** All SQL of the migration runner: its record of applied files, its lock, and what it asks the catalog. */
export class MigrationRepository {
  /**
   * Takes the migration lock for the rest of `tx`, or answers false at once if another hub holds it. Never waits
   * inside the database: a statement waiting there holds a snapshot, and a concurrent index build waits for every
   * older snapshot, so a hub queued behind another hub's CREATE INDEX CONCURRENTLY would hold that build up for good.
   */
  async tryLock(tx: Queryable): Promise<boolean> {
    const { rows } = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [
      MIGRATION_LOCK_KEY,
    ]);
    return rows[0]!.got;
  }

  /** The same lock for a whole session (Db.session), outside any transaction; see `tryLock`. */
  async tryLockSession(session: Queryable): Promise<boolean> {
    const { rows } = await session.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [
      MIGRATION_LOCK_KEY,
    ]);
    return rows[0]!.got;
  }

  async unlockSession(session: Queryable): Promise<void> {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }

  async ensureTable(tx: Queryable): Promise<void> {
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      module text NOT NULL,
      version int NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at bigint NOT NULL,
      PRIMARY KEY (module, version)
    )`);
  }

  async applied(tx: Queryable): Promise<AppliedMigration[]> {
    return (await tx.query<AppliedMigration>('SELECT module, version, checksum FROM schema_migrations')).rows;
  }

  async record(tx: Queryable, file: MigrationFile, now: number): Promise<void> {
    await tx.query(
      `INSERT INTO schema_migrations (module, version, name, checksum, applied_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (module, version) DO NOTHING`,
      [file.module, file.version, file.name, file.checksum, now],
    );
  }

  /** A lock the rest of `tx` waits for longer than `ms` fails it with 55P03 instead of queueing live traffic behind it. */
  async limitLockWait(tx: Queryable, ms: number): Promise<void> {
    await tx.query("SELECT set_config('lock_timeout', $1, true)", [`${Math.max(1, Math.round(ms))}ms`]);
  }

  /** The index named as a migration file names it (maybe schema-qualified or quoted); null when there is none. */
  async indexState(q: Queryable, name: string): Promise<IndexState | null> {
    const { rows } = await q.query<{ valid: boolean; pid: number | null }>(
      `SELECT i.indisvalid AS valid,
              (SELECT p.pid FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid LIMIT 1) AS pid
       FROM pg_index i WHERE i.indexrelid = to_regclass($1)`,
      [name],
    );
    const row = rows[0];
    return row ? { valid: row.valid, buildingPid: row.pid ?? null } : null;
  }

  /** `name` comes from a migration file's own CREATE INDEX statement (see outside-transaction.ts), never from input. */
  async dropIndexConcurrently(session: Queryable, name: string): Promise<void> {
    await session.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  }
}
