import type { FeedEntry } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/**
 * Applies one feed entry inside the feed transaction, in a savepoint of its own. A throw refuses the entry: what it
 * wrote is undone, it is parked (`sync_feed_parked`, shown in the sync status and at the hub) and the rest of the
 * page applies. Only a failure of the store's own database (disk full, I/O) rolls the whole page back to be retried.
 *
 * A handler must keep the newer version: a parked entry replayed later (`POST /api/sync/parked-feed/replay`, and at
 * every start) may be older than entries applied since, and must not overwrite what they wrote.
 */
export type FeedHandler = (db: SqliteDb, entry: FeedEntry) => void;

export class FeedHandlerRegistry {
  readonly #handlers = new Map<string, FeedHandler>();

  register(type: string, handle: FeedHandler): void {
    if (this.#handlers.has(type)) throw new Error(`feed type ${type} already has a handler`);
    this.#handlers.set(type, handle);
  }

  get(type: string): FeedHandler | undefined {
    return this.#handlers.get(type);
  }

  /**
   * Applies `entry` with its handler in a savepoint of the caller's transaction (the feed page's, or a replay's).
   * Returns null when it applied, or why it was refused (no handler, or the handler threw: its writes are undone).
   * Throws a failure of the store itself (see `storeSideFailure`): the caller's whole transaction must roll back.
   */
  apply(db: SqliteDb, entry: FeedEntry): string | null {
    const handle = this.#handlers.get(entry.type);
    if (!handle) return `no handler for feed type ${entry.type}`;
    try {
      db.transaction(() => handle(db, entry))();
      return null;
    } catch (err) {
      if (storeSideFailure(err)) throw err; // the disk, not the entry: parking it would lose it for nothing
      return `the ${entry.type} handler refused entry ${entry.seq}: ${(err as Error)?.message ?? String(err)}`;
    }
  }
}

/**
 * A failure of the store itself rather than of one entry (disk full or failing, the file locked or read-only, out of
 * memory): parking the entry would lose it for a reason that has nothing to do with it.
 */
export function storeSideFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^SQLITE_(FULL|IOERR|BUSY|LOCKED|NOMEM|READONLY|CANTOPEN|CORRUPT|NOTADB|INTERRUPT)/.test(code)
  );
}
