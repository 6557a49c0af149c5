/**
 * Tasks the store node runs on its executor (worker threads), off the event loop that serves the lanes. Each opens
 * the store's SQLite file read-only (WAL lets it read beside the writer) and returns plain data; writes stay on the
 * main thread, in its transactions.
 */
import { getHeapStatistics } from 'node:v8';
import Database from 'better-sqlite3';
import {
  RfidReconciler,
  type DriftReport,
  type ReaderWindow,
  type ReconcilerState,
  type TagRead,
} from '@storefleet/devices';
import { salesReportOf, type SalesReport } from '../reports/sales-report.js';

const connections = new Map<string, Database.Database>();

function readOnly(path: string): Database.Database {
  let db = connections.get(path);
  if (!db) {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    connections.set(path, db);
  }
  return db;
}

export interface RfidCycleInput {
  readonly dbPath: string;
  readonly reads: readonly TagRead[];
  /** What each reader did in the window: an incomplete window moves no stock. */
  readonly coverage: readonly ReaderWindow[];
  readonly state: ReconcilerState;
  readonly cyclesToConfirm: number;
  readonly minRssi: number;
  readonly zones: Readonly<Record<string, string>>;
}

/** One RFID reconciliation cycle (see RfidReconciler), with the catalog and on-hand read from the store's file. */
export function rfidCycle(input: RfidCycleInput): { report: DriftReport; state: ReconcilerState } {
  const db = readOnly(input.dbPath);
  const skuOf = db.prepare('SELECT sku FROM catalog_products WHERE gtin = ?').pluck();
  const onHand = db.prepare('SELECT on_hand FROM stock WHERE sku = ?').pluck();
  const level = (sku: string) => (onHand.get(sku) as number | undefined) ?? 0;
  const tracked = db.prepare('SELECT sku FROM rfid_tracked_skus').pluck().all() as string[];
  const reconciler = new RfidReconciler(
    {
      cyclesToConfirm: input.cyclesToConfirm,
      minRssi: input.minRssi,
      zoneOfAntenna: (a) => input.zones[a] ?? `zone-${a}`,
      skuOfGtin: (g) => skuOf.get(g) as string | undefined,
      onHandOf: level,
    },
    input.state,
  );
  const report = reconciler.cycle(input.reads, new Map(tracked.map((sku) => [sku, level(sku)])), input.coverage);
  return { report, state: reconciler.state() };
}

/** The end-of-day (or any period's) sales report. */
export function salesReport(input: { dbPath: string; fromMs: number; toMs: number }): SalesReport {
  return salesReportOf(readOnly(input.dbPath), input.fromMs, input.toMs);
}

/** What the worker it runs on may take and holds now, in MB: its V8 heap limit, heap in use, and ArrayBuffer memory (outside the limit). */
export function workerMemory(): { heapLimitMb: number; heapUsedMb: number; arrayBuffersMb: number } {
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  return {
    heapLimitMb: mb(getHeapStatistics().heap_size_limit),
    heapUsedMb: mb(process.memoryUsage().heapUsed),
    arrayBuffersMb: mb(process.memoryUsage().arrayBuffers),
  };
}
