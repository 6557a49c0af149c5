import type { SqliteDb } from '../db/open-sqlite.js';

export interface ReturnLine {
  readonly sku: string;
  readonly qty: number;
  /** The refund for this line, in minor units. */
  readonly refund: number;
}

export interface ReturnRow {
  readonly id: string;
  readonly saleId: string;
  readonly refundMinor: number;
  readonly at: number;
  readonly refundKind: 'CASH' | 'CARD';
  readonly refundRef: string | null;
  readonly state: 'REFUNDING' | 'DONE';
  /** The return slip's number (`S001-03-R00007`); null on returns from before #17. */
  readonly number: string | null;
  readonly lines: ReturnLine[];
}

interface ReturnDbRow {
  id: string;
  sale_id: string;
  refund_minor: number;
  at: number;
  refund_kind: 'CASH' | 'CARD';
  refund_ref: string | null;
  state: 'REFUNDING' | 'DONE';
  number: string | null;
}

/** All SQL of the till's returns (schema/001, 003). A return in state REFUNDING already holds its quantities. */
export class ReturnRepository {
  readonly #returned;
  readonly #refunded;
  readonly #insert;
  readonly #insertLine;
  readonly #done;
  readonly #delete;
  readonly #deleteLines;
  readonly #refunding;
  readonly #refundingOf;
  readonly #lines;

  constructor(readonly db: SqliteDb) {
    this.#returned = db.prepare(
      'SELECT l.sku, SUM(l.qty) AS qty FROM sale_return_lines l JOIN sale_returns r ON r.id = l.return_id WHERE r.sale_id = ? GROUP BY l.sku',
    );
    this.#refunded = db.prepare('SELECT COALESCE(SUM(refund_minor), 0) FROM sale_returns WHERE sale_id = ?').pluck();
    this.#insert = db.prepare(
      'INSERT INTO sale_returns (id, sale_id, refund_minor, at, refund_kind, refund_ref, state, number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#insertLine = db.prepare(
      'INSERT INTO sale_return_lines (return_id, sku, qty, refund_minor) VALUES (?, ?, ?, ?)',
    );
    this.#done = db.prepare(
      "UPDATE sale_returns SET state = 'DONE', refund_ref = ? WHERE id = ? AND state = 'REFUNDING'",
    );
    this.#deleteLines = db.prepare(
      "DELETE FROM sale_return_lines WHERE return_id = (SELECT id FROM sale_returns WHERE id = ? AND state = 'REFUNDING')",
    );
    this.#delete = db.prepare("DELETE FROM sale_returns WHERE id = ? AND state = 'REFUNDING'");
    this.#refunding = db.prepare("SELECT * FROM sale_returns WHERE state = 'REFUNDING' ORDER BY id");
    this.#refundingOf = db.prepare("SELECT * FROM sale_returns WHERE sale_id = ? AND state = 'REFUNDING' ORDER BY id");
    this.#lines = db.prepare(
      'SELECT sku, qty, refund_minor AS refund FROM sale_return_lines WHERE return_id = ? ORDER BY rowid',
    );
  }

  /** Quantities per sku returned (or being refunded) from the sale so far. */
  returnedQty(saleId: string): Map<string, number> {
    const rows = this.#returned.all(saleId) as { sku: string; qty: number }[];
    return new Map(rows.map((r) => [r.sku, r.qty]));
  }

  /** Money given back (or being refunded) for the sale so far. */
  refundedMinor(saleId: string): number {
    return this.#refunded.get(saleId) as number;
  }

  insert(r: Omit<ReturnRow, 'refundMinor'>): void {
    this.#insert.run(
      r.id,
      r.saleId,
      r.lines.reduce((n, l) => n + l.refund, 0),
      r.at,
      r.refundKind,
      r.refundRef,
      r.state,
      r.number,
    );
    for (const l of r.lines) this.#insertLine.run(r.id, l.sku, l.qty, l.refund);
  }

  /** A card return whose refund the terminal made: true the first time only (a resumed refund settles once). */
  markRefunded(id: string, refundRef: string): boolean {
    return this.#done.run(refundRef, id).changes === 1;
  }

  /** Drops a card return the terminal refused (its quantities may be returned again). */
  deleteRefunding(id: string): void {
    this.#deleteLines.run(id);
    this.#delete.run(id);
  }

  /** Card returns waiting for the terminal, of one sale or of all. */
  refunding(saleId?: string): ReturnRow[] {
    const rows = (saleId === undefined ? this.#refunding.all() : this.#refundingOf.all(saleId)) as ReturnDbRow[];
    return rows.map((r) => ({
      id: r.id,
      saleId: r.sale_id,
      refundMinor: r.refund_minor,
      at: r.at,
      refundKind: r.refund_kind,
      refundRef: r.refund_ref,
      state: r.state,
      number: r.number,
      lines: this.#lines.all(r.id) as ReturnLine[],
    }));
  }
}
