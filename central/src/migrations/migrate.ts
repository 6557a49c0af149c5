import { planMigrations, type AppliedMigration, type MigrationFile } from '@storefleet/shared';
import type { Db } from '../db/db.js';

/** Any fixed 64-bit number shared by every hub process: the key of the advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 727_274_001;

export interface MigrationReport {
  readonly applied: readonly string[];
}

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock, so two hub processes
 * starting together on one database apply each migration exactly once: the second waits, then finds nothing to do.
 * A failing migration rolls back every migration of this run.
 */
export async function migrate(db: Db, files: readonly MigrationFile[]): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      module text NOT NULL,
      version int NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at bigint NOT NULL,
      PRIMARY KEY (module, version)
    )`);
    const { rows } = await tx.query<AppliedMigration>('SELECT module, version, checksum FROM schema_migrations');
    const pending = planMigrations(files, rows);
    for (const file of pending) {
      try {
        await tx.exec(file.sql);
      } catch (err) {
        throw new Error(`migration ${file.module}/${String(file.version).padStart(3, '0')}_${file.name} failed: ${(err as Error).message}`, { cause: err });
      }
      await tx.query(
        'INSERT INTO schema_migrations (module, version, name, checksum, applied_at) VALUES ($1, $2, $3, $4, $5)',
        [file.module, file.version, file.name, file.checksum, Date.now()],
      );
    }
    return { applied: pending.map((f) => `${f.module}/${f.name}`) };
  });
}
