import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrationsOf, planMigrations, type AppliedMigration, type MigrationFile } from '@storefleet/shared';
import type { SqliteDb } from './open-sqlite.js';

export interface SqliteMigrationSource {
  readonly module: string;
  readonly dir: URL;
}

export function loadSqliteMigrations(sources: readonly SqliteMigrationSource[]): MigrationFile[] {
  return sources.flatMap(({ module, dir }) => {
    const path = fileURLToPath(dir);
    if (!existsSync(path)) throw new Error(`migrations folder of module ${module} not found: ${path}`);
    return migrationsOf(
      module,
      readdirSync(path).map((fileName) => ({ fileName, sql: readFileSync(join(path, fileName), 'utf8') })),
    );
  });
}

/**
 * Applies pending migrations in one `BEGIN IMMEDIATE` transaction: it takes SQLite's write lock first, so a second
 * process opening the same file waits (busy timeout) and then finds nothing to do. A failure rolls back the whole run.
 */
export function migrateSqlite(db: SqliteDb, files: readonly MigrationFile[]): string[] {
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
      applied_at INTEGER NOT NULL, PRIMARY KEY (module, version))`);
    const applied = db.prepare('SELECT module, version, checksum FROM schema_migrations').all() as AppliedMigration[];
    const pending = planMigrations(files, applied);
    const record = db.prepare(
      'INSERT INTO schema_migrations (module, version, name, checksum, applied_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (const file of pending) {
      try {
        db.exec(file.sql);
      } catch (err) {
        throw new Error(
          `migration ${file.module}/${String(file.version).padStart(3, '0')}_${file.name} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      record.run(file.module, file.version, file.name, file.checksum, Date.now());
    }
    return pending.map((f) => `${f.module}/${f.name}`);
  });
  return run.immediate();
}
