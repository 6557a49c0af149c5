import { AppError, NotFoundError, stockMovedSchema } from '@storefleet/shared';
import type { AppliedEvent, HandlerResult } from '../../kernel/event-handlers.js';
import type { InventoryRepository, NewMovement } from './repository.js';
import { deltaFits, sourceOf } from './stock-rules.js';
import { incidents } from './incidents.js';
import type { CatalogSkus, NearbyStore, StockLevel } from './types.js';

export class InventoryService {
  constructor(
    /** A repository on the hub's database, for reads and admin writes. */
    readonly repo: () => InventoryRepository,
    readonly now: () => number,
    /** The catalog, asked which skus exist before a store's movements are counted. */
    readonly catalog: CatalogSkus,
  ) {}

  /**
   * Applies `stock.moved` events from a store's outbox (inside the sync apply transaction). A payload that is
   * malformed, whose sign contradicts its kind (a sale that adds stock), or whose sku is not in the hub's catalog (a
   * barcode typed as a sku: it would become a phantom product with stock) is refused on its own and parked with the
   * reason; the rest of the batch applies.
   */
  async applyStockEvents(repo: InventoryRepository, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    const rejected: { seq: number; reason: string }[] = [];
    const moves: NewMovement[] = [];
    for (const e of events) {
      const parsed = stockMovedSchema.safeParse(e.payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        rejected.push({
          seq: e.seq,
          reason: `invalid payload (${issue?.path.join('.') || '(root)'}: ${issue?.message})`,
        });
        continue;
      }
      const m = parsed.data;
      if (!deltaFits(m.kind, m.delta)) {
        rejected.push({ seq: e.seq, reason: `a ${m.kind} cannot move stock by ${m.delta}` });
        continue;
      }
      moves.push({
        sku: m.sku,
        delta: m.delta,
        kind: m.kind,
        source: sourceOf(m.kind),
        originSeq: e.seq,
        at: m.at ?? this.now(),
      });
    }
    // One look-up per run: the catalog is asked in this transaction (on PGlite another connection would wait for it).
    const known = moves.length
      ? await this.catalog.many([...new Set(moves.map((m) => m.sku))], repo.db)
      : new Map<string, unknown>();
    const counted = moves.filter((m) => known.has(m.sku));
    for (const m of moves)
      if (!known.has(m.sku))
        rejected.push({ seq: m.originSeq!, reason: `no product with sku ${m.sku} in the hub's catalog` });
    if (events.length) {
      await repo.applyMovements(events[0]!.origin, counted, this.now());
      // A store that sold offline what the hub promised online: record it; the reservations module repairs it.
      await incidents.detect(
        repo.db,
        events[0]!.origin,
        [...new Set(counted.filter((m) => m.delta < 0).map((m) => m.sku))],
        this.now(),
      );
    }
    return { rejected: rejected.sort((a, b) => a.seq - b.seq) };
  }

  async level(storeId: string, sku: string): Promise<StockLevel> {
    const level = await this.repo().level(storeId, sku);
    if (!level) throw new NotFoundError('stock record', `${storeId}/${sku}`);
    return level;
  }

  nearby(sku: string, lat: number, lon: number, radiusKm: number, qty: number, limit: number): Promise<NearbyStore[]> {
    return this.repo().nearby(sku, lat, lon, radiusKm, qty, limit);
  }

  levels(storeId: string, prefix: string | null, after: string | null, limit: number) {
    return this.repo().levels(storeId, prefix, after, limit);
  }

  movements(storeId: string, sku: string, limit: number) {
    return this.repo().movements(storeId, sku, limit);
  }

  async setSafety(storeId: string, sku: string, safety: number): Promise<StockLevel> {
    const repo = this.repo();
    await this.#mustKnow(repo, sku);
    return repo.setSafety(storeId, sku, safety, this.now());
  }

  /** Days from ordering to the shelf for this store and sku: the reorder point covers demand over it. */
  async setLeadTime(storeId: string, sku: string, days: number): Promise<StockLevel & { leadTimeDays: number }> {
    const repo = this.repo();
    await this.#mustKnow(repo, sku);
    return repo.setLeadTime(storeId, sku, days, this.now());
  }

  /**
   * `items` with the catalog's name of each sku as `productName` (null for a sku the catalog no longer holds), read
   * in one look-up: the console shows names beside skus.
   */
  async withProductNames<T extends { readonly sku: string }>(
    items: readonly T[],
  ): Promise<(T & { productName: string | null })[]> {
    const products = items.length ? await this.catalog.many([...new Set(items.map((i) => i.sku))]) : new Map();
    return items.map((i) => ({ ...i, productName: products.get(i.sku)?.name ?? null }));
  }

  /** A setting for a sku the catalog does not hold would create a stock row for it, as a phantom movement did. */
  async #mustKnow(repo: InventoryRepository, sku: string): Promise<void> {
    if (!(await this.catalog.many([sku], repo.db)).has(sku))
      throw new AppError('not-found', `no product with sku ${sku} in the hub's catalog`, { sku });
  }
}
