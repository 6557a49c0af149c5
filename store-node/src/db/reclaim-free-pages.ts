import type { SqliteDb } from './open-sqlite.js';

/** At most this many pages (64 MiB) are given back per call: the hourly housekeeping holds the event loop meanwhile. */
export const RECLAIM_MAX_PAGES = 16_384;

/**
 * Gives pages freed by deletes (pruned outbox events, purged Idempotency-Keys) back to the disk: the file shrinks
 * instead of keeping its largest size for good. Works on files made with `auto_vacuum=INCREMENTAL` (every file
 * `openSqlite` made new); on an older file it does nothing (returns 0) and SQLite reuses the free pages for new rows.
 * A passive checkpoint follows so the file shrinks now rather than at the next automatic checkpoint; it never waits
 * for readers. Returns how many pages were given back.
 */
export function reclaimFreePages(db: SqliteDb, maxPages: number = RECLAIM_MAX_PAGES): number {
  if (db.pragma('auto_vacuum', { simple: true }) !== 2) return 0; // 2 = INCREMENTAL
  const before = db.pragma('page_count', { simple: true }) as number;
  if (!(db.pragma('freelist_count', { simple: true }) as number)) return 0;
  db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
  const given = before - (db.pragma('page_count', { simple: true }) as number);
  if (given > 0) db.pragma('wal_checkpoint(PASSIVE)');
  return given;
}
