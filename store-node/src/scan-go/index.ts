import type { SyncLogger } from '@storefleet/sync';
import { Router } from 'express';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { StorePricing } from '../pricing/index.js';
import type { StockLedger } from '../stock/stock-ledger.js';
import type { StoreSync } from '../sync/index.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';

export const scanGoMigrations = new URL('./schema/', import.meta.url);

/**
 * Scan & Go at the store (lane F): the door checks exit tokens offline (signature with the hub's keys from the store's
 * pricing copy, this store, the time window, the item count, the audit flag), records each exit once and emits
 * `scango.exited`; a `scango.paid` feed entry is recorded as a completed sale (stock moves, `sale.completed` with an
 * APP tender), once. CONTRACT STUB.
 */
export class ScanGoDoor {
  constructor(
    readonly db: SqliteDb,
    readonly sync: StoreSync,
    readonly pricing: StorePricing,
    readonly stock: StockLedger,
    readonly log: SyncLogger,
    readonly now: () => number,
    readonly storeId: string | null,
  ) {}
}

export function registerScanGoFeed(_feed: FeedHandlerRegistry, _door: ScanGoDoor): void {}

export function scanGoRoutes(_door: ScanGoDoor): Router {
  return Router();
}
