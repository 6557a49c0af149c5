import type { Logger } from 'pino';
import type { Db } from '../../src/db/db.js';
import { openDb } from '../../src/db/open-db.js';
import { loadMigrations } from '../../src/migrations/load-migrations.js';
import { migrate } from '../../src/migrations/migrate.js';
import type { DbTarget } from './db-targets.js';

/**
 * A fresh database of `target` with the hub's core schema and the named schema folders applied, for a module test
 * that exercises its repository without a whole hub (modules may not import the hub's db or migration files).
 */
export async function openMigratedDb(
  target: DbTarget,
  schemas: readonly { module: string; dir: URL }[],
  log: Logger,
): Promise<{ db: Db; close(): Promise<void> }> {
  const opened = await target.open();
  const db = await openDb(opened);
  try {
    await migrate(
      db,
      loadMigrations([{ module: 'core', dir: new URL('../../src/core/schema/', import.meta.url) }, ...schemas]),
      { log },
    );
  } catch (error) {
    await db.close();
    await opened.drop();
    throw error;
  }
  return {
    db,
    async close() {
      await db.close();
      await opened.drop();
    },
  };
}
