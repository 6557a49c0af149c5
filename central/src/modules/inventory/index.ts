import type { HubModule } from '../../kernel/module-contract.js';
import { ensureMovementPartitions, InventoryRepository } from './repository.js';
import { inventoryRoutes } from './routes.js';
import { InventoryService } from './service.js';
import { stockHolds } from './stock-holds.js';
import { incidents } from './incidents.js';
import { ReplenishmentSweep } from './replenishment.js';
import { applyCountEvents, RFID_COUNTS_KEPT_DAYS, RfidCountsRepository } from './rfid-counts.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { INVENTORY_AVAILABILITY, INVENTORY_HOLDS, INVENTORY_INCIDENTS } from '../../kernel/ports/inventory.js';
import { inventoryGraphql } from './graphql.js';
import { STOCK_REPLAY } from '../../kernel/ports/replay.js';
import { stockReplay } from './replay.js';

export type { StockLevel, Movement, MovementKind, NearbyStore } from './types.js';
export type { StockHolds, StockKey } from './stock-holds.js';
export type { Incident, Incidents } from './incidents.js';
export { stockReplay } from './replay.js';
export type { StockAlert } from './replenishment.js';

/**
 * Stock per (store, sku) from every store's `stock.moved` events (a PN-counter), inventory accuracy from their RFID
 * counts' `stock.counted` summaries, movement history partitioned by month, availability and "stores near a point with stock", low-stock alerts with reorder suggestions (published to
 * each store's feed); it provides `INVENTORY_HOLDS` to the reservations module.
 */
export const hubModule: HubModule = {
  name: 'inventory',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [
      // a store's manager sees their own store's stock, incidents and alerts
      { path: 'inventory', title: 'Inventory', script: 'inventory.js', roles: ['ADMIN', 'STORE_MANAGER'] },
      { path: 'incidents', title: 'Incidents & alerts', script: 'incidents.js', roles: ['ADMIN', 'STORE_MANAGER'] },
    ],
  },
  needs: [CATALOG_PRODUCTS],
  provides: (ctx) => [
    provide(INVENTORY_HOLDS, stockHolds),
    provide(INVENTORY_INCIDENTS, incidents),
    provide(STOCK_REPLAY, stockReplay), // issue #27: on-hand rebuilt from the movement history
    provide(INVENTORY_AVAILABILITY, {
      atLocation: (locationId, sku) => new InventoryRepository(ctx.db).availableAt(locationId, sku),
      manyAt: (locationId, skus) => new InventoryRepository(ctx.db).availableManyAt(locationId, skus),
      dcsCovering: (lines) => new InventoryRepository(ctx.db).dcsCovering(lines),
    }),
  ],
  graphql: (ctx) => inventoryGraphql(ctx),
  routes: (ctx) =>
    inventoryRoutes(
      new InventoryService(() => new InventoryRepository(ctx.db), ctx.now, ctx.services.get(CATALOG_PRODUCTS)),
      ctx.db,
    ),
  eventHandlers: (ctx) => {
    const service = new InventoryService(
      () => new InventoryRepository(ctx.db),
      ctx.now,
      ctx.services.get(CATALOG_PRODUCTS),
    );
    return {
      'stock.moved': (tx, events) => service.applyStockEvents(new InventoryRepository(tx), events),
      'stock.counted': (tx, events) => applyCountEvents(new RfidCountsRepository(tx), events, ctx.now()),
    };
  },
  // A store whose disk was replaced gets back its on-hand counts as the hub holds them.
  bootstrap: () => ({
    stock: {
      count: (q, storeId) => new InventoryRepository(q).snapshotCount(storeId),
      async page(q, storeId, after, limit) {
        const rows = await new InventoryRepository(q).snapshotPage(storeId, after, limit);
        return { rows, next: rows.length === limit ? rows.at(-1)!.sku : null };
      },
    },
  }),
  async start(ctx) {
    // This month and the next two exist before any movement needs them; checked again daily.
    const made = await ensureMovementPartitions(ctx.db, ctx.now(), 3);
    if (made.length) ctx.log.info({ partitions: made }, 'movement history partitions created');
    // Both on the hub's job runner (one run per period across hub processes; a failure is retried next period).
    ctx.jobs.define({
      name: 'inventory.movement-partitions',
      maxAttempts: 3,
      run: async () => void (await ensureMovementPartitions(ctx.db, ctx.now(), 3)),
    });
    ctx.jobs.define({
      name: 'inventory.rfid-counts-prune',
      maxAttempts: 3,
      run: async () =>
        void (await new RfidCountsRepository(ctx.db).prune(ctx.now() - RFID_COUNTS_KEPT_DAYS * 86_400_000)),
    });
    const sweep = new ReplenishmentSweep(ctx.db, ctx.feed, ctx.now);
    // Low-stock alerts are re-evaluated for the stock rows that changed every LOW_STOCK_SWEEP_MS (default 5 s).
    ctx.jobs.define({ name: 'inventory.low-stock', run: async () => void (await sweep.sweep()) });
    await ctx.jobs.schedule('inventory.movement-partitions', { everyMs: 86_400_000, jitter: 0.1 });
    await ctx.jobs.schedule('inventory.rfid-counts-prune', { everyMs: 86_400_000, jitter: 0.1 });
    await ctx.jobs.schedule('inventory.low-stock', { everyMs: ctx.settings.tuning.lowStockSweepMs });
  },
};
