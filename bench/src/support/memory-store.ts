import { hlcEncode, type FeedEntry, type WireEvent } from '@storefleet/shared';
import type { StoreSyncStorage } from '@storefleet/sync';
import { FLEET_PRODUCTS } from './fleet-catalog.js';
import { tillDay } from './till-day.js';

/**
 * A simulated store for fleet benchmarks: the real SyncClient over an in-memory outbox, so thousands fit in one
 * process. Its till's events are the real ones (support/till-day.ts: a `stock.moved` per line and a `sale.completed`,
 * now and then a return), applied at the hub by the inventory and sales handlers. Records, per event, the time from
 * append to the hub's acknowledgement, and per sku the change in stock its sales imply.
 */
export class MemoryStore implements StoreSyncStorage {
  readonly events: WireEvent[] = [];
  readonly #appendedAt: number[] = [];
  /** Per sku, the change in on-hand this store's sales and returns imply. */
  readonly delta = new Map<string, number>();
  sales = 0;
  acked = 0;
  cursor = 0;
  welcomes = 0;
  /** Welcomes in which the hub held less than this store had confirmed (it would have to resend): must stay 0. */
  rewinds = 0;

  constructor(
    readonly storeId: string,
    readonly latencies: number[],
    readonly seed: number,
  ) {}

  /** Rings up `n` cash sales at the till: appends their events to the outbox. */
  sell(n: number): void {
    const day = tillDay(FLEET_PRODUCTS, n, Date.now(), this.seed * 1_000_003 + this.sales);
    this.sales += n;
    for (const { type, payload } of day.events) {
      const seq = this.events.length + 1;
      if (type === 'stock.moved') {
        const { sku, delta } = payload as { sku: string; delta: number };
        this.delta.set(sku, (this.delta.get(sku) ?? 0) + delta);
      }
      this.events.push({
        origin: this.storeId,
        seq,
        hlc: hlcEncode({ wallMs: Date.now(), counter: seq % 65_000, node: this.storeId }),
        type,
        payload,
      });
      this.#appendedAt.push(performance.now());
    }
  }

  outboxHead(): number {
    return this.events.length;
  }
  ackedSeq(): number {
    return this.acked;
  }
  readBatch(fromSeq: number, maxEvents: number): WireEvent[] {
    return this.events.slice(fromSeq - 1, fromSeq - 1 + maxEvents);
  }
  markAcked(seq: number): void {
    const now = performance.now();
    for (let s = this.acked + 1; s <= seq; s++) this.latencies.push(now - this.#appendedAt[s - 1]!);
    this.acked = Math.max(this.acked, seq);
  }
  reconcile(hubAckedSeq: number): number {
    this.welcomes++;
    if (hubAckedSeq < this.acked) this.rewinds++;
    return 0;
  }
  feedCursor(): number {
    return this.cursor;
  }
  applyFeed(entries: readonly FeedEntry[]): number {
    this.cursor = entries.at(-1)?.seq ?? this.cursor;
    return this.cursor;
  }
  observeHubTime(): void {}
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
