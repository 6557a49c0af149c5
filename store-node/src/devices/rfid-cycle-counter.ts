import {
  DEFAULT_RECONCILER,
  type DriftReport,
  type ReconcilerState,
  type RfidReader,
  type TagRead,
} from '@storefleet/devices';
import { stockCountedSchema, type StockCounted, uuidv7 } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { StockLedger } from '../stock/stock-ledger.js';
import type { StoreSync } from '../sync/store-sync.js';
import type { RfidCountingConfig } from './config.js';
import type { StoreExecutor } from '../tasks/store-executor.js';

/** What a complete count found, as the hub's `stock.counted` (checked: a payload the hub would refuse throws). */
export function countSummary(report: DriftReport, at: number): StockCounted {
  return stockCountedSchema.parse({
    countId: uuidv7(at),
    at,
    skusCounted: report.skus.length,
    skusMatching: report.skus.filter((s) => s.drift === 0).length,
    unitsCounted: report.skus.reduce((n, s) => n + s.counted, 0),
    unitsOff: report.skus.reduce((n, s) => n + Math.abs(s.drift), 0),
  });
}

/** A stock correction the RFID count made: what it counted against what the books said, and when. */
export interface RfidCorrection {
  readonly sku: string;
  readonly expected: number;
  readonly counted: number;
  /** The RFID_RECONCILE movement: counted − expected as every cycle of the streak agreed (may be less than the gap). */
  readonly delta: number;
  readonly at: number;
}

/** How long the handheld lists corrections, and how long they are kept. */
export const CORRECTIONS_SHOWN_MS = 86_400_000;
const CORRECTIONS_KEPT_MS = 7 * 86_400_000;

/**
 * The store's RFID cycle count: reads from every reader go into the current window (the loudest read per EPC is
 * enough); each cycle the window is reconciled on the local executor against local on-hand (only RFID-tracked
 * skus), and back on the main thread confirmed drifts become RFID_RECONCILE movements (and `stock.moved` events for
 * the hub), a complete window's summary goes to the hub as `stock.counted` (its inventory accuracy), and the drift
 * report is kept for the handheld. Each window goes with what every reader did in it (link drops and reopens, sweeps
 * heard): a window that did not see the whole floor is reported as incomplete, moves nothing and sends no summary.
 */
export class RfidCycleCounter {
  readonly cycleMs: number;
  readonly cyclesToConfirm: number;
  readonly minRssi: number;
  readonly minSweeps: number;
  readonly #readers = new Map<string, RfidReader>();
  #window = new Map<string, TagRead>();
  #readsInWindow = 0;
  #state: ReconcilerState = { cycle: 0, streaks: {} };
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #last: (DriftReport & { at: number }) | null = null;
  readonly #zoneNames: Record<string, string> = {};
  readonly #track;
  readonly #recordCorrection;
  readonly #corrections;
  adjustmentsApplied = 0;
  incompleteWindows = 0;

  constructor(
    readonly db: SqliteDb,
    readonly executor: StoreExecutor,
    readonly sync: StoreSync,
    readonly stock: StockLedger,
    readonly log: Logger,
    readonly now: () => number,
    config: RfidCountingConfig = {},
  ) {
    this.cycleMs = config.cycleMs ?? 60_000;
    this.cyclesToConfirm = config.cyclesToConfirm ?? DEFAULT_RECONCILER.cyclesToConfirm;
    this.minRssi = config.minRssi ?? DEFAULT_RECONCILER.minRssi;
    this.minSweeps = config.minSweeps ?? 3;
    this.#track = db.prepare('INSERT OR IGNORE INTO rfid_tracked_skus (sku, first_read_at) VALUES (?, ?)');
    this.#recordCorrection = db.prepare(
      'INSERT INTO rfid_corrections (sku, expected, counted, delta, at) VALUES (@sku, @expected, @counted, @delta, @at)',
    );
    this.#corrections = db.prepare(
      'SELECT sku, expected, counted, delta, at FROM rfid_corrections WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?',
    );
    const saved = db.prepare('SELECT report, at FROM rfid_reports ORDER BY id DESC LIMIT 1').get() as
      | { report: string; at: number }
      | undefined;
    if (saved) this.#last = { ...(JSON.parse(saved.report) as DriftReport), at: saved.at };
  }

  nameZones(zones: Readonly<Record<number, string>>): void {
    Object.assign(this.#zoneNames, zones);
  }

  /** A reader whose reads come to `add`: every window's verdict asks it what it did. */
  addReader(name: string, reader: RfidReader): void {
    this.#readers.set(name, reader);
  }

  add(read: TagRead): void {
    this.#readsInWindow++;
    const seen = this.#window.get(read.epc);
    if (!seen || read.rssi > seen.rssi) this.#window.set(read.epc, read);
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.runCycle().catch((err: unknown) => this.log.error({ err }, 'RFID cycle failed; the next one starts afresh'));
    }, this.cycleMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  lastReport(): (DriftReport & { at: number }) | null {
    return this.#last;
  }

  /** The corrections of the last 24 hours, newest first (at most `limit`): what the drift list no longer shows. */
  recentCorrections(limit = 50): RfidCorrection[] {
    return this.#corrections.all(this.now() - CORRECTIONS_SHOWN_MS, limit) as RfidCorrection[];
  }

  /** Reconciles the window read since the last cycle; an empty window (no reader running) is not a count of zero. */
  async runCycle(): Promise<DriftReport | null> {
    if (this.#running || !this.#window.size) return null; // a slow cycle: this window joins the next
    const reads = [...this.#window.values()];
    const total = this.#readsInWindow;
    const coverage = [...this.#readers].map(([name, reader]) => reader.takeWindow(name, this.minSweeps));
    this.#window = new Map();
    this.#readsInWindow = 0;
    this.#running = true;
    try {
      const out = await this.executor.submit<{ report: DriftReport; state: ReconcilerState }>(
        'rfidCycle',
        {
          dbPath: this.db.name,
          reads,
          coverage,
          state: this.#state,
          cyclesToConfirm: this.cyclesToConfirm,
          minRssi: this.minRssi,
          zones: this.#zoneNames,
        },
        { priority: 'NORMAL', timeoutMs: 60_000 },
      );
      this.#state = out.state;
      const report = { ...out.report, reads: total };
      const at = this.now();
      this.sync.write((emit) => {
        for (const z of Object.values(report.zones)) for (const sku of Object.keys(z)) this.#track.run(sku, at);
        if (report.adjustments.length) {
          this.stock.moveAll(emit, report.adjustments, 'RFID_RECONCILE', at, `rfid-cycle-${report.cycle}`);
          const counts = new Map(report.skus.map((s) => [s.sku, s]));
          for (const a of report.adjustments) {
            const c = counts.get(a.sku);
            const counted = c?.counted ?? 0;
            this.#recordCorrection.run({
              sku: a.sku,
              expected: c?.expected ?? counted - a.delta,
              counted,
              delta: a.delta,
              at,
            });
          }
          this.db.prepare('DELETE FROM rfid_corrections WHERE at < ?').run(at - CORRECTIONS_KEPT_MS);
        }
        // The hub's inventory accuracy: every complete count of some sku, a matching one too (it moves nothing).
        if (report.complete && report.skus.length) emit('stock.counted', countSummary(report, at));
        this.db.prepare('INSERT INTO rfid_reports (report, at) VALUES (?, ?)').run(JSON.stringify(report), at);
        this.db.prepare('DELETE FROM rfid_reports WHERE id < (SELECT max(id) - 100 FROM rfid_reports)').run();
      });
      this.adjustmentsApplied += report.adjustments.length;
      if (!report.complete) this.incompleteWindows++;
      if (report.adjustments.length)
        this.log.info({ adjustments: report.adjustments }, 'RFID count confirmed a drift; stock adjusted');
      if (!report.complete)
        this.log.warn(
          { cycle: report.cycle, incomplete: report.incomplete },
          'RFID window incomplete: counted, but no stock moved',
        );
      this.#last = { ...report, at };
      return report;
    } finally {
      this.#running = false;
    }
  }
}
