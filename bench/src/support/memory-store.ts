import type { FeedEntry, WireEvent } from '@storefleet/shared';
import type { StoreSyncStorage } from '@storefleet/sync';

/**
 * A simulated store for fleet benchmarks: the real SyncClient over an in-memory outbox, so thousands fit in one
 * process. Records, per event, the time from append to the hub's acknowledgement.
 */
export class MemoryStore implements StoreSyncStorage {
  readonly events: WireEvent[] = [];
  readonly #appendedAt: number[] = [];
  acked = 0;
  cursor = 0;
  welcomes = 0;
  /** Welcomes in which the hub held less than this store had confirmed (it would have to resend): must stay 0. */
  rewinds = 0;

  constructor(
    readonly storeId: string,
    readonly latencies: number[],
  ) {}

  append(n: number): void {
    for (let i = 0; i < n; i++) {
      const seq = this.events.length + 1;
      this.events.push({
        origin: this.storeId,
        seq,
        hlc: `${Date.now().toString(16).padStart(13, '0')}-0000-${this.storeId}`,
        type: 'sale',
        payload: { sku: `SF-${seq % 50}`, qty: 1 },
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
