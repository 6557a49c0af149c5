import type { FeedEntry } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** Applies one feed entry inside the feed transaction; a throw rolls the whole page back (it is retried). */
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
