import type { SqliteDb } from '../db/open-sqlite.js';

export interface DoorSale {
  readonly sessionId: string;
  readonly saleId: string;
  readonly currency: string;
  readonly itemCount: number;
  readonly totalMinor: number;
  readonly lines: readonly { sku: string; name: string; qty: number }[];
  readonly paidAt: number;
}

export interface DoorExit {
  readonly sessionId: string;
  readonly outcome: 'PASSED' | 'AUDIT_DUE' | 'AUDITED';
  readonly at: number;
  readonly itemCount: number;
  readonly totalMinor: number;
  readonly counted: number | null;
  readonly matched: boolean | null;
  readonly auditedAt: number | null;
  /** How often the token was shown again after it let its customer out (each refused). */
  readonly refusedAgain: number;
}

interface ExitRaw {
  session_id: string;
  outcome: DoorExit['outcome'];
  at: number;
  item_count: number;
  total_minor: number;
  counted: number | null;
  matched: number | null;
  audited_at: number | null;
  refused_again: number;
}
const toExit = (r: ExitRaw): DoorExit => ({
  sessionId: r.session_id,
  outcome: r.outcome,
  at: r.at,
  itemCount: r.item_count,
  totalMinor: r.total_minor,
  counted: r.counted,
  matched: r.matched === null ? null : r.matched === 1,
  auditedAt: r.audited_at,
  refusedAgain: r.refused_again,
});

/** All SQL of Scan & Go at the store (the sale itself is written by the POS repository). */
export class ScanGoStoreRepository {
  constructor(readonly db: SqliteDb) {}

  hasSale(sessionId: string, saleId: string): boolean {
    return (
      this.db
        .prepare(
          'SELECT 1 FROM scan_go_sales WHERE session_id = ? OR sale_id = ? UNION ALL SELECT 1 FROM sales WHERE id = ?',
        )
        .get(sessionId, saleId, saleId) !== undefined
    );
  }

  insertSale(s: DoorSale, recordedAt: number): void {
    this.db
      .prepare(
        `INSERT INTO scan_go_sales (session_id, sale_id, currency, item_count, total_minor, lines_json, paid_at, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.sessionId, s.saleId, s.currency, s.itemCount, s.totalMinor, JSON.stringify(s.lines), s.paidAt, recordedAt);
  }

  sale(sessionId: string): DoorSale | undefined {
    const r = this.db.prepare('SELECT * FROM scan_go_sales WHERE session_id = ?').get(sessionId) as
      | {
          session_id: string;
          sale_id: string;
          currency: string;
          item_count: number;
          total_minor: number;
          lines_json: string;
          paid_at: number;
        }
      | undefined;
    if (!r) return undefined;
    return {
      sessionId: r.session_id,
      saleId: r.sale_id,
      currency: r.currency,
      itemCount: r.item_count,
      totalMinor: r.total_minor,
      lines: JSON.parse(r.lines_json) as DoorSale['lines'],
      paidAt: r.paid_at,
    };
  }

  exit(sessionId: string): DoorExit | undefined {
    const r = this.db.prepare('SELECT * FROM scan_go_exits WHERE session_id = ?').get(sessionId) as ExitRaw | undefined;
    return r ? toExit(r) : undefined;
  }

  /** Records the exit; false when the token already let someone out (the primary key). */
  insertExit(e: Pick<DoorExit, 'sessionId' | 'outcome' | 'at' | 'itemCount' | 'totalMinor'>): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO scan_go_exits (session_id, outcome, at, item_count, total_minor) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (session_id) DO NOTHING`,
        )
        .run(e.sessionId, e.outcome, e.at, e.itemCount, e.totalMinor).changes === 1
    );
  }

  refusedAgain(sessionId: string): void {
    this.db.prepare('UPDATE scan_go_exits SET refused_again = refused_again + 1 WHERE session_id = ?').run(sessionId);
  }

  /** AUDIT_DUE → AUDITED with the associate's count; false when it was not due. */
  audited(sessionId: string, counted: number, matched: boolean, at: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE scan_go_exits SET outcome = 'AUDITED', counted = ?, matched = ?, audited_at = ?
           WHERE session_id = ? AND outcome = 'AUDIT_DUE'`,
        )
        .run(counted, matched ? 1 : 0, at, sessionId).changes === 1
    );
  }

  exitsBetween(from: number, to: number, limit: number): DoorExit[] {
    return (
      this.db
        .prepare('SELECT * FROM scan_go_exits WHERE at >= ? AND at < ? ORDER BY at DESC LIMIT ?')
        .all(from, to, limit) as ExitRaw[]
    ).map(toExit);
  }
}
