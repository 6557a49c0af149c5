import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDb = Database.Database;

/** The WAL is cut back to this after a checkpoint (it reaches ~4 MiB between automatic checkpoints on its own). */
export const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Opens the store's SQLite file for durable till work: WAL so readers never block the lane, `synchronous=FULL` so a
 * committed sale survives a power cut, foreign keys on, and a busy timeout so a second process waits instead of failing.
 *
 * Disk: a new file is made with `auto_vacuum=INCREMENTAL` (it must be set before the file's first page is written, so
 * before WAL mode), so the pages freed by pruning acknowledged outbox events can be given back to the disk
 * (`reclaimFreePages`); a file made before keeps its mode and reuses its freed pages instead. `journal_size_limit`
 * cuts the WAL back after a checkpoint: one large transaction (pruning a long offline backlog) would otherwise leave
 * the WAL at its size for good.
 */
export function openSqlite(path: string): SqliteDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
