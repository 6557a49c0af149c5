import { DEFAULT_RECONCILER, RfidReconciler, type DriftReport, type TagRead } from '@storefleet/devices';
import type { Logger } from 'pino';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { StockLedger } from '../stock/stock-ledger.js';
import type { StoreSync } from '../sync/store-sync.js';
import type { RfidCountingConfig } from './config.js';

/**
 * The store's RFID cycle count: reads from every reader go into the current window; each cycle the window is
 * reconciled against local on-hand (only for RFID-tracked skus), confirmed drifts become RFID_RECONCILE movements
 * (and `stock.moved` events for the hub), and the drift report is kept for the handheld.
 */
export class RfidCycleCounter {
  readonly reconciler: RfidReconciler;
  readonly cycleMs: number;
  #window: TagRead[] = [];
  #timer: NodeJS.Timeout | undefined;
  #last: (DriftReport & { at: number }) | null = null;
  readonly #zoneNames = new Map<number, string>();
  readonly #skuOfGtin;
  readonly #track;
  readonly #tracked;
  adjustmentsApplied = 0;

  constructor(
    readonly db: SqliteDb,
    readonly sync: StoreSync,
    readonly stock: StockLedger,
    readonly log: Logger,
    readonly now: () => number,
    config: RfidCountingConfig = {},
  ) {
    this.cycleMs = config.cycleMs ?? 60_000;
    this.#skuOfGtin = db.prepare('SELECT sku FROM catalog_products WHERE gtin = ?').pluck();
    this.#track = db.prepare('INSERT OR IGNORE INTO rfid_tracked_skus (sku, first_read_at) VALUES (?, ?)');
    this.#tracked = db.prepare('SELECT sku FROM rfid_tracked_skus').pluck();
    this.reconciler = new RfidReconciler({
      cyclesToConfirm: config.cyclesToConfirm ?? DEFAULT_RECONCILER.cyclesToConfirm,
      minRssi: config.minRssi ?? DEFAULT_RECONCILER.minRssi,
      zoneOfAntenna: (a) => this.#zoneNames.get(a) ?? `zone-${a}`,
      skuOfGtin: (g) => this.#skuOfGtin.get(g) as string | undefined,
      onHandOf: (sku) => this.stock.onHand(sku),
    });
    const saved = db.prepare('SELECT report, at FROM rfid_reports ORDER BY id DESC LIMIT 1').get() as { report: string; at: number } | undefined;
    if (saved) this.#last = { ...(JSON.parse(saved.report) as DriftReport), at: saved.at };
  }

  nameZones(zones: Readonly<Record<number, string>>): void {
    for (const [a, z] of Object.entries(zones)) this.#zoneNames.set(Number(a), z);
  }

  add(read: TagRead): void {
    this.#window.push(read);
  }

  start(): void {
    this.#timer = setInterval(() => this.runCycle(), this.cycleMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  lastReport(): (DriftReport & { at: number }) | null {
    return this.#last;
  }

  /** Reconciles the window read since the last cycle; an empty window (no reader running) is not a count of zero. */
  runCycle(): DriftReport | null {
    const reads = this.#window;
    this.#window = [];
    if (!reads.length) return null;
    const at = this.now();
    // Tracked skus not read at all this cycle count as 0 read (a shelf emptied); skus read for the first time join.
    const tracked = this.#tracked.all() as string[];
    const report = this.reconciler.cycle(reads, new Map(tracked.map((sku) => [sku, this.stock.onHand(sku)])));
    this.sync.write((emit) => {
      for (const z of Object.values(report.zones)) for (const sku of Object.keys(z)) this.#track.run(sku, at);
      if (report.adjustments.length) this.stock.moveAll(emit, report.adjustments, 'RFID_RECONCILE', at, `rfid-cycle-${report.cycle}`);
      this.db.prepare('INSERT INTO rfid_reports (report, at) VALUES (?, ?)').run(JSON.stringify(report), at);
      this.db.prepare('DELETE FROM rfid_reports WHERE id < (SELECT max(id) - 100 FROM rfid_reports)').run();
    });
    this.adjustmentsApplied += report.adjustments.length;
    if (report.adjustments.length) this.log.info({ adjustments: report.adjustments }, 'RFID count confirmed a drift; stock adjusted');
    this.#last = { ...report, at };
    return report;
  }
}
