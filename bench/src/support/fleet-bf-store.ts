import { seededRandom } from '@storefleet/devices';
import { hlcEncode, type FeedEntry } from '@storefleet/shared';
import type { ClientTransport, ConnectionHandlers, Connector } from '@storefleet/sync';
import { WsConnector } from '@storefleet/store-node';
import type { PlannedStore, TrialPlan } from './fleet-bf-plan.js';
import { MemoryStore } from './memory-store.js';
import { tillDay, type TillProduct } from './till-day.js';

/**
 * A simulated store of the fleet trial: the real SyncClient's storage over an in-memory outbox (thousands fit in one
 * process). Its till sells the store's own shelf: everyday products always, a hot product only while the store's own
 * count says one is left (the till does not know what the hub promised online: that is how oversells happen), and a
 * busy store that sold out of a hot product now and then receives more (a RECEIVE movement). It keeps, per sku, what
 * its events changed, so the hub's on-hand can be checked against it, and which seqs moved stock. The sync storage
 * (outbox, acknowledgements, welcomes, feed cursor) is the fleet benches' MemoryStore's; this one sells its own way,
 * keeps no per-event latencies, and counts the feed entries it receives.
 */
export class TrialStore extends MemoryStore {
  /** Seqs of this store's `stock.moved` events (each must be one movement row at the hub, no more, no fewer). */
  readonly stockSeqs: number[] = [];
  /** What the store's own shelf holds of each hot product. */
  readonly shelf = new Map<string, number>();
  feedEntries = 0;
  online = true;
  #counter = 0;
  /** Decides restocks: the store's own stream, so both trials restock alike. */
  readonly #random: () => number;

  constructor(
    readonly planned: PlannedStore,
    readonly plan: TrialPlan,
    seed: number,
  ) {
    super(planned.id, [], seed);
    if (planned.hot) for (const p of plan.hotProducts) this.shelf.set(p.sku, plan.hotStockBusy);
    this.#random = seededRandom(seed);
  }

  /** Rings up one cash sale (its lines from tillDay's seeded stream), and now and then a restock of a hot product. */
  override sell(): void {
    const products: TillProduct[] = this.planned.hot
      ? [...this.plan.normalProducts.slice(0, 8), ...this.plan.hotProducts.filter((p) => this.shelf.get(p.sku)! >= 2)]
      : [...this.plan.normalProducts];
    const now = Date.now();
    const day = tillDay(products, 1, now, this.seed * 1_000_003 + this.sales);
    this.sales++;
    for (const e of day.events) this.#append(e.type, e.payload, now);
    if (this.planned.hot)
      for (const p of this.plan.hotProducts)
        if (this.shelf.get(p.sku)! < 2 && this.#random() < 0.05)
          this.#append('stock.moved', { sku: p.sku, delta: this.plan.restockUnits, kind: 'RECEIVE', at: now }, now);
  }

  #append(type: string, payload: unknown, now: number): void {
    const seq = this.events.length + 1;
    if (type === 'stock.moved') {
      const { sku, delta } = payload as { sku: string; delta: number };
      this.delta.set(sku, (this.delta.get(sku) ?? 0) + delta);
      if (this.shelf.has(sku)) this.shelf.set(sku, this.shelf.get(sku)! + delta);
      this.stockSeqs.push(seq);
    }
    this.events.push({
      origin: this.storeId,
      seq,
      hlc: hlcEncode({ wallMs: now, counter: this.#counter++ % 65_000, node: this.storeId }),
      type,
      payload,
    });
  }

  /** Only the acknowledged seq: MemoryStore's per-event latencies are not a figure of this trial. */
  override markAcked(seq: number): void {
    this.acked = Math.max(this.acked, seq);
  }
  override applyFeed(entries: readonly FeedEntry[]): number {
    for (const e of entries) if (e.seq > this.cursor) this.feedEntries++;
    this.cursor = Math.max(this.cursor, entries.at(-1)?.seq ?? this.cursor);
    return this.cursor;
  }
}

/**
 * How a store reaches "the hub" behind a load balancer: its home replica first, then the others in turn; a replica
 * that is down refuses the connection and the next one is tried in the same attempt. `urls` is read at each attempt.
 */
export class FailoverConnector implements Connector {
  constructor(
    readonly urls: () => readonly string[],
    readonly home: number,
    readonly token: string,
  ) {}

  async connect(handlers: ConnectionHandlers): Promise<ClientTransport> {
    const urls = this.urls();
    let last: unknown;
    for (let k = 0; k < urls.length; k++) {
      const url = urls[(this.home + k) % urls.length]!;
      try {
        return await new WsConnector(url, async () => this.token, { silenceMs: 30_000 }).connect(handlers);
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error('no hub replica answered');
  }
}
