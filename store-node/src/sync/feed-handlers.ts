import type { FeedEntry } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/**
 * Applies one feed entry inside the feed transaction, in a savepoint of its own. A throw refuses the entry: what it
 * wrote is undone, it is parked (`sync_feed_parked`, shown in the sync status and at the hub) and the rest of the
 * page applies. Only a failure of the store's own database (disk full, I/O) rolls the whole page back to be retried.
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
}
