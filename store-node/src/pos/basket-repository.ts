import { ConflictError } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { LineRow } from './pos-repository.js';

export interface BasketRow {
  sale_id: string;
  opened_at: number;
  tender_state: 'NONE' | 'AUTHORISING';
  tender_amount_minor: number | null;
  tender_started_at: number | null;
  /** An approval kept on an AUTHORISING basket whose sale could not be recorded (schema/003), else null. */
  tender_ref: string | null;
  note: string | null;
  /** When the basket itself was last changed (opened, a line removed, a card tender begun); its lines keep their own. */
  touched_at: number;
  /** The lane that opened it and its sale number (schema/004); null on baskets opened before #17. */
  lane: number | null;
  number: string | null;
  /** The customer's loyalty card shown at the lane (schema/005), whole: it goes on `sale.completed`; else null. */
  customer_card: string | null;
  /** The coupon codes entered for the basket (schema/006), a JSON array; each verified again at every view. */
  coupons: string;
  /** While AUTHORISING: the basket as priced when the card tender began (schema/007), JSON; the sale completes with it. */
  tender_priced: string | null;
  /** Who is serving the customer (schema/008): the person signed in at the lane when it opened or last paid; else null. */
  cashier_user_id: string | null;
  cashier_name: string | null;
}

/**
 * All SQL of the open baskets (schema/002): each scan is one small transaction, so a basket survives the process. A
 * basket is removed (`remove`) inside the transaction that writes its closed sale, never on its own.
 */
export class BasketRepository {
  readonly #insert;
  readonly #get;
  readonly #lines;
  readonly #line;
  readonly #upsertLine;
  readonly #deleteLine;
  readonly #tender;
  readonly #remove;
  readonly #authorising;
  readonly #normal;
  readonly #full;
  readonly #touch;
  readonly #keepApproval;
  readonly #untouched;
  readonly #lastTouched;
  readonly #lineCount;
  readonly #onLane;
  readonly #card;
  readonly #coupons;
  readonly #hold;
  readonly #release;
  readonly #heldBy;
  readonly #override;
  readonly #cashier;
  /** Runs a removal's statements as one commit (the line and the basket's touched_at). */
  readonly #together: (write: () => unknown) => unknown;

  constructor(readonly db: SqliteDb) {
    this.#insert = db.prepare(
      'INSERT INTO pos_baskets (sale_id, opened_at, touched_at, lane, number, cashier_user_id, cashier_name) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#onLane = db
      .prepare('SELECT sale_id FROM pos_baskets WHERE lane = ? ORDER BY opened_at DESC, sale_id DESC LIMIT 1')
      .pluck();
    this.#get = db.prepare('SELECT * FROM pos_baskets WHERE sale_id = ?');
    this.#lines = db.prepare(
      'SELECT sku, name, tax_class, unit_price_minor, qty, override_price_minor, override_reason FROM pos_basket_lines WHERE sale_id = ? ORDER BY rowid',
    );
    this.#line = db.prepare(
      'SELECT sku, name, tax_class, unit_price_minor, qty, override_price_minor, override_reason FROM pos_basket_lines WHERE sale_id = ? AND sku = ?',
    );
    // An upsert keeps the line's rowid, so the basket keeps the order in which items were first scanned. A manager's
    // price override was approved for the line's quantity then: another quantity takes it off (hostile review #4).
    this.#upsertLine = db.prepare(
      `INSERT INTO pos_basket_lines (sale_id, sku, name, tax_class, unit_price_minor, qty, changed_at)
       VALUES (@sale_id, @sku, @name, @tax_class, @unit_price_minor, @qty, @changed_at)
       ON CONFLICT (sale_id, sku) DO UPDATE SET name = excluded.name, tax_class = excluded.tax_class, unit_price_minor = excluded.unit_price_minor,
         qty = excluded.qty, changed_at = excluded.changed_at,
         override_price_minor = CASE WHEN pos_basket_lines.qty = excluded.qty THEN pos_basket_lines.override_price_minor END,
         override_reason = CASE WHEN pos_basket_lines.qty = excluded.qty THEN pos_basket_lines.override_reason END`,
    );
    this.#deleteLine = db.prepare('DELETE FROM pos_basket_lines WHERE sale_id = ? AND sku = ?');
    this.#override = db.prepare(
      'UPDATE pos_basket_lines SET override_price_minor = ?, override_reason = ?, changed_at = ? WHERE sale_id = ? AND sku = ?',
    );
    this.#cashier = db.prepare('UPDATE pos_baskets SET cashier_user_id = ?, cashier_name = ? WHERE sale_id = ?');
    this.#tender = db.prepare(
      'UPDATE pos_baskets SET tender_state = ?, tender_amount_minor = ?, tender_started_at = ?, tender_priced = ?, note = ?, tender_ref = NULL, touched_at = MAX(touched_at, ?) WHERE sale_id = ?',
    );
    this.#hold = db.prepare('INSERT INTO pos_coupon_holds (coupon_id, sale_id) VALUES (?, ?)');
    this.#release = db.prepare('DELETE FROM pos_coupon_holds WHERE sale_id = ?');
    this.#heldBy = db.prepare(
      `SELECT h.sale_id AS saleId, b.lane, b.number FROM pos_coupon_holds h JOIN pos_baskets b ON b.sale_id = h.sale_id
       WHERE h.coupon_id = ?`,
    );
    this.#together = db.transaction((write: () => unknown) => write());
    this.#keepApproval = db.prepare(
      "UPDATE pos_baskets SET tender_ref = ?, note = ? WHERE sale_id = ? AND tender_state = 'AUTHORISING'",
    );
    this.#card = db.prepare(
      'UPDATE pos_baskets SET customer_card = ?, touched_at = MAX(touched_at, ?) WHERE sale_id = ?',
    );
    this.#coupons = db.prepare('UPDATE pos_baskets SET coupons = ?, touched_at = MAX(touched_at, ?) WHERE sale_id = ?');
    this.#touch = db.prepare('UPDATE pos_baskets SET touched_at = MAX(touched_at, ?) WHERE sale_id = ?');
    const lastChange = '(SELECT MAX(changed_at) FROM pos_basket_lines l WHERE l.sale_id = b.sale_id)';
    this.#untouched = db
      .prepare(
        `SELECT sale_id FROM pos_baskets b WHERE touched_at < @cutoff AND COALESCE(${lastChange}, 0) < @cutoff ORDER BY touched_at, sale_id`,
      )
      .pluck();
    this.#lastTouched = db
      .prepare(`SELECT MAX(touched_at, COALESCE(${lastChange}, 0)) FROM pos_baskets b WHERE sale_id = ?`)
      .pluck();
    this.#lineCount = db.prepare('SELECT count(*) FROM pos_basket_lines WHERE sale_id = ?').pluck();
    this.#remove = db.prepare('DELETE FROM pos_baskets WHERE sale_id = ?');
    this.#normal = db.prepare('PRAGMA synchronous = NORMAL');
    this.#full = db.prepare('PRAGMA synchronous = FULL');
    this.#authorising = db.prepare(
      "SELECT sale_id FROM pos_baskets WHERE tender_state = 'AUTHORISING' ORDER BY sale_id",
    );
  }

  /** Opens a basket with its sale number; call inside the transaction that took the number (lane-numbers.ts). */
  open(
    saleId: string,
    openedAt: number,
    lane: number,
    number: string,
    cashier: { userId: string; name: string } | null = null,
  ): void {
    this.#insert.run(saleId, openedAt, openedAt, lane, number, cashier?.userId ?? null, cashier?.name ?? null);
  }

  /** Who serves the customer from now on (the person who takes the payment); in the caller's transaction. */
  setCashier(saleId: string, cashier: { userId: string; name: string }): void {
    this.#cashier.run(cashier.userId, cashier.name, saleId);
  }

  /**
   * Gives a line its unit price from now on, whatever the price books and promotions say (a manager's override, with
   * why); another override replaces it. False when the basket has no such line. Call inside the write that audits it.
   */
  overridePrice(saleId: string, sku: string, unitPriceMinor: number, reason: string, at: number): boolean {
    return this.#override.run(unitPriceMinor, reason, at, saleId, sku).changes === 1;
  }

  /** The lane's open basket (its latest, should it have more), if it has one. */
  openOnLane(lane: number): string | undefined {
    return this.#onLane.get(lane) as string | undefined;
  }

  basket(saleId: string): BasketRow | undefined {
    return this.#get.get(saleId) as BasketRow | undefined;
  }

  lines(saleId: string): LineRow[] {
    return this.#lines.all(saleId) as LineRow[];
  }

  line(saleId: string, sku: string): LineRow | undefined {
    return this.#line.get(saleId, sku) as LineRow | undefined;
  }

  lineCount(saleId: string): number {
    return this.#lineCount.get(saleId) as number;
  }

  putLine(saleId: string, line: LineRow, at: number): void {
    const { sku, name, tax_class, unit_price_minor, qty } = line; // an override stays only at the same quantity
    this.#scan(() =>
      this.#upsertLine.run({ sale_id: saleId, sku, name, tax_class, unit_price_minor, qty, changed_at: at }),
    );
  }

  deleteLine(saleId: string, sku: string, at: number): void {
    this.#scan(() =>
      this.#together(() => {
        this.#deleteLine.run(saleId, sku);
        this.#touch.run(at, saleId);
      }),
    );
  }

  /**
   * A scan is written with synchronous=NORMAL: in WAL mode it is in the file when the statement returns, so it
   * survives the process being killed (or Electron crashing), but it waits for the next fsync (the next sale's commit,
   * a card tender, a checkpoint) to survive a power cut — where losing the last scans of a customer still at the lane
   * is cheap, and an fsync per scan cost the till ~4× its throughput. Anything that decides money stays FULL.
   */
  #scan(write: () => unknown): void {
    if (this.db.inTransaction) return void write();
    this.#normal.run();
    try {
      write();
    } finally {
      this.#full.run();
    }
  }

  /**
   * Marks a card tender in flight (before the terminal is asked), keeping the priced basket it charges and holding the
   * coupons it applied, in one commit; or settles it back to NONE with a note for the cashier, releasing them. A coupon
   * held by another basket already is a ConflictError and changes nothing.
   */
  setTender(
    saleId: string,
    t:
      | { state: 'AUTHORISING'; amountMinor: number; at: number; priced?: string; holds?: readonly string[] }
      | { state: 'NONE'; note: string | null },
  ): void {
    this.#together(() => {
      if (t.state === 'AUTHORISING') {
        this.#tender.run('AUTHORISING', t.amountMinor, t.at, t.priced ?? null, null, t.at, saleId);
        for (const couponId of t.holds ?? []) {
          const other = this.heldBy(couponId);
          if (other && other.saleId !== saleId)
            throw new ConflictError(`coupon ${couponId} is held by a card payment at lane ${other.lane ?? '?'}`);
          if (!other) this.#hold.run(couponId, saleId);
        }
      } else {
        this.#tender.run('NONE', null, null, null, t.note, 0, saleId);
        this.#release.run(saleId);
      }
    });
  }

  /** The basket whose card tender holds the coupon now (its lane and sale number), if any. */
  heldBy(couponId: string): { saleId: string; lane: number | null; number: string | null } | undefined {
    return this.#heldBy.get(couponId) as { saleId: string; lane: number | null; number: string | null } | undefined;
  }

  /** Keeps the customer's card with the basket, or takes it off (null); a change by the cashier, so it touches it. */
  setCustomerCard(saleId: string, card: string | null, at: number): void {
    this.#card.run(card, at, saleId);
  }

  /** Keeps the coupon codes entered for the basket (replacing those before); a change by the cashier, so it touches it. */
  setCoupons(saleId: string, codes: readonly string[], at: number): void {
    this.#coupons.run(JSON.stringify(codes), at, saleId);
  }

  /**
   * Keeps the card approval `reference` on an AUTHORISING basket whose sale could not be recorded and whose approval
   * the terminal could not void yet, with a note for the cashier.
   */
  keepApproval(saleId: string, reference: string, note: string): void {
    this.#keepApproval.run(reference, note, saleId);
  }

  /** Deletes the basket and its lines; call inside the transaction that writes the closed sale. */
  remove(saleId: string): void {
    this.#remove.run(saleId);
  }

  /** Baskets nobody has changed since `cutoff` (epoch ms), oldest first: housekeeping voids them. */
  untouchedSince(cutoff: number): string[] {
    return this.#untouched.all({ cutoff }) as string[];
  }

  /** When the basket or one of its lines last changed (epoch ms), or undefined if there is no such basket. */
  lastTouched(saleId: string): number | undefined {
    return this.#lastTouched.get(saleId) as number | undefined;
  }

  /** Baskets whose card tender was in flight when the process stopped (none while the node runs normally). */
  authorising(): string[] {
    return (this.#authorising.all() as { sale_id: string }[]).map((r) => r.sale_id);
  }
}
