import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { ensureMovementPartitions, InventoryRepository } from './repository.js';
import { inventoryRoutes } from './routes.js';
import { InventoryService } from './service.js';
import { stockHolds } from './stock-holds.js';
import { incidents } from './incidents.js';
import { ReplenishmentSweep } from './replenishment.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { INVENTORY_AVAILABILITY, INVENTORY_HOLDS, INVENTORY_INCIDENTS } from '../../kernel/ports/inventory.js';

export type { StockLevel, Movement, MovementKind, NearbyStore } from './types.js';
export type { StockHolds, StockKey } from './stock-holds.js';
export type { Incident, Incidents } from './incidents.js';
export type { StockAlert } from './replenishment.js';

const upkeep = new WeakMap<HubContext, NodeJS.Timeout[]>();

/**
 * Stock per (store, sku) from every store's `stock.moved` events (a PN-counter), movement history partitioned by
 * month, availability and "stores near a point with stock", low-stock alerts with reorder suggestions (published to
 * each store's feed); it provides `INVENTORY_HOLDS` to the reservations module.
 */
export const hubModule: HubModule = {
  name: 'inventory',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [
      { path: 'inventory', title: 'Inventory', script: 'inventory.js' },
      { path: 'incidents', title: 'Incidents & alerts', script: 'incidents.js' },
    ],
  },
  needs: [CATALOG_PRODUCTS],
  provides: (ctx) => [
    provide(INVENTORY_HOLDS, stockHolds),
    provide(INVENTORY_INCIDENTS, incidents),
    provide(INVENTORY_AVAILABILITY, {
      atLocation: (locationId, sku) => new InventoryRepository(ctx.db).availableAt(locationId, sku),
      dcsCovering: (lines) => new InventoryRepository(ctx.db).dcsCovering(lines),
    }),
  ],
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
    return { 'stock.moved': (tx, events) => service.applyStockEvents(new InventoryRepository(tx), events) };
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
    const timer = setInterval(() => {
      ensureMovementPartitions(ctx.db, ctx.now(), 3).catch((err: unknown) =>
        ctx.log.error({ err }, 'could not create movement partitions'),
      );
    }, 86_400_000);
    timer.unref();
    const sweep = new ReplenishmentSweep(ctx.db, ctx.feed, ctx.now);
    let sweeping = false;
    // Low-stock alerts are re-evaluated for the stock rows that changed every LOW_STOCK_SWEEP_MS (default 5 s).
    const replenish = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      sweep
        .sweep()
        .catch((err: unknown) => ctx.log.error({ err }, 'low-stock sweep failed; retried next round'))
        .finally(() => (sweeping = false));
    }, ctx.settings.tuning.lowStockSweepMs);
    replenish.unref();
    upkeep.set(ctx, [timer, replenish]);
  },
  stop(ctx) {
    for (const t of upkeep.get(ctx) ?? []) clearInterval(t);
  },
};
