import { parseEventPayload, type FeedEntry } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';

export interface ReorderSuggestion {
  readonly sku: string;
  readonly onHand: number;
  readonly reorderPoint: number;
  readonly suggestedQty: number;
  readonly velocityPerDay: number;
  readonly raisedAt: number;
}

/**
 * The hub's reorder suggestions for this store, kept from its feed. An entry resent after a feed rebase (a hub restored
 * from a backup) may be older than what is held: the newer suggestion stays, and a restock clears only what it postdates.
 */
export class ReorderSuggestions {
  constructor(readonly db: SqliteDb) {}

  register(handlers: FeedHandlerRegistry): void {
    handlers.register('inventory.low-stock', (db, entry: FeedEntry) => {
      const s = parseEventPayload('inventory.low-stock', entry.payload);
      db.prepare(
        `INSERT INTO reorder_suggestions (sku, on_hand, reorder_point, suggested_qty, velocity_per_day, raised_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, reorder_point = excluded.reorder_point,
           suggested_qty = excluded.suggested_qty, velocity_per_day = excluded.velocity_per_day, raised_at = excluded.raised_at
         WHERE excluded.raised_at >= reorder_suggestions.raised_at`,
      ).run(s.sku, s.onHand, s.reorderPoint, s.suggestedQty, s.velocityPerDay, entry.createdAt);
    });
    handlers.register('inventory.restocked', (db, entry: FeedEntry) => {
      db.prepare('DELETE FROM reorder_suggestions WHERE sku = ? AND raised_at <= ?').run(
        parseEventPayload('inventory.restocked', entry.payload).sku,
        entry.createdAt,
      );
    });
  }

  list(limit: number): ReorderSuggestion[] {
    return this.db
      .prepare(
        `SELECT sku, on_hand AS onHand, reorder_point AS reorderPoint, suggested_qty AS suggestedQty, velocity_per_day AS velocityPerDay,
           raised_at AS raisedAt FROM reorder_suggestions ORDER BY raised_at DESC, sku LIMIT ?`,
      )
      .all(limit) as ReorderSuggestion[];
  }
}
