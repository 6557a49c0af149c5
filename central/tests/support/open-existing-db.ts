import type { Db } from '../../src/db/db.js';
import { type DbConfig, openDb } from '../../src/db/open-db.js';

/**
 * Opens a database hubs already used (a Postgres URL or a PGlite folder), without migrating it: for a module test
 * that checks what a hub process it ran left behind (modules may not import the hub's db files themselves).
 */
export function openExistingDb(place: DbConfig): Promise<Db> {
  return openDb(place);
}
