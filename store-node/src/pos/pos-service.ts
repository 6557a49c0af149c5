import {
  AppError,
  ConflictError,
  ForbiddenError,
  formatMoney,
  isValidGtin,
  money,
  NotFoundError,
  type PricedBasket,
  toGtin14,
  asSaleNumber,
  type CouponOutcome,
  couponIdOf,
  readCoupon,
  uuidv7,
  ValidationError,
} from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import { StockLedger } from '../stock/stock-ledger.js';
import type { Emit, StoreSync } from '../sync/store-sync.js';
import {
  appliedCoupons,
  type BasketPricer,
  chargedLines,
  couponCodes,
  MAX_BASKET_COUPONS,
  priceBasket,
} from './basket-pricing.js';
import { BASKET_LIMITS, type TaxRates } from './basket-rules.js';
import { CouponUsedError } from '../pricing/pricing-service.js';
import { BasketRepository, type BasketRow } from './basket-repository.js';
import { CardTenders, type Settled } from './card-tenders.js';
import { parseCustomerCard } from './customer-card.js';
import { LaneNumbers } from './lane-numbers.js';
import type { Authorisation, PaymentTerminal } from './payment-terminal.js';
import { PosRepository, type LineRow, type SaleRow } from './pos-repository.js';
import { PosReturns, type RefundCheck, type ReturnAnswer } from './pos-returns.js';
import { emitSaleEvent, saleCompletedPayload, saleVoidedPayload } from './sale-events.js';
import { saleView, type SaleView } from './sale-view.js';
import { noSuchSale } from './sale-lookup-words.js';
import { DEFAULT_RETURN_WINDOW_DAYS, StoreProfile } from './store-profile.js';

export type { SaleView } from './sale-view.js';

/** A sale's own id (a UUID), as the POS page sends it once it has the sale. */
const SALE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export type Tender = { kind: 'CASH'; givenMinor: number } | { kind: 'CARD' };

/** Who this till is: its lane number, the store it numbers sales for, and the return window its receipts promise. */
export interface TillIdentity {
  readonly lane: number;
  readonly returnWindowDays: number;
  readonly profile: StoreProfile;
}

/**
 * Who rings up a sale: the lane the screen guard decided for the request (a POS screen's own lane, else the node's
 * `STORE_LANE`), and whether it may also act on other lanes' sales (the back office may: a manager clears a till's
 * stuck basket from there).
 */
export interface LaneCaller {
  readonly lane: number;
  readonly anyLane: boolean;
}

/** What the POS page asks when it loads: which lane it is, and the basket the node kept open for it. */
export interface LaneState {
  readonly lane: number;
  readonly storeCode: string;
  readonly timeZone: string;
  readonly returnWindowDays: number;
  readonly open: SaleView | null;
}

type Opened = Pick<BasketRow, 'sale_id' | 'opened_at' | 'lane' | 'number' | 'customer_card' | 'coupons'> &
  Partial<Pick<BasketRow, 'cashier_user_id' | 'cashier_name'>>;

/** The person signed in at the lane (issue #27; staff/staff-gate.ts), as a sale records who served it. */
export interface Cashier {
  readonly userId: string;
  readonly name: string;
}

/**
 * Records a manager-approved action's audit row inside the action's own write (the gate's `audit`, which uses the
 * approval up): an action whose write fails leaves no row and its approval unused, and an approval used meanwhile
 * throws, which rolls the action back.
 */
export type AuditInWrite = (emit: Emit) => void;

/**
 * The basket after a scan or a quantity change. A manager approved a price override for the quantity the line had
 * then (hostile review #4: "1 × at 0" must not become "999 × at 0"), so a change of that quantity takes the override
 * off and the line is priced as usual again; `priceOverrideRemoved` says so, for the cashier to ask a manager again.
 */
export type LineChange = SaleView & {
  readonly priceOverrideRemoved?: { readonly sku: string; readonly message: string };
};

/** What this process is doing with a sale right now: tendering it, settling a tender a previous process left, voiding it. */
interface Busy {
  readonly kind: 'tender' | 'settle' | 'void';
  readonly done: Promise<unknown>;
}

const DOING: Record<Busy['kind'], string> = {
  tender: 'being tendered',
  settle: 'being settled with the card terminal',
  void: 'being voided',
};

/**
 * The till. Open baskets are kept in SQLite (schema/002), one small transaction per scan, so a node killed mid-scan
 * (or an Electron crash) brings every lane back to its basket. A completed sale is one SQLite transaction (WAL,
 * synchronous=FULL): the sale, its lines, its stock movements and their outbox events, its `sale.completed` event, and
 * the removal of the open basket, so once the receipt prints the sale survives a power cut and reaches the hub exactly
 * once. A void is one transaction too (the voided sale for the audit trail, its `sale.voided` event).
 *
 * A card tender is marked AUTHORISING on disk before the terminal is asked. A basket found AUTHORISING with no tender
 * running in this process was left by a process that died, or by a commit that failed after an approval whose void
 * the terminal did not confirm; card-tenders.ts says which failures keep the approval (the sale may still be recorded)
 * and which void it (the customer is never charged for goods they did not get). Voiding a basket voids its approved
 * card at the terminal first; so does expiry (`expireOpenBaskets`, hourly).
 */
export class PosService {
  readonly repo: PosRepository;
  readonly baskets: BasketRepository;
  readonly stock: StockLedger;
  readonly returns: PosReturns;
  readonly cards: CardTenders;
  readonly numbers: LaneNumbers;
  readonly #busy = new Map<string, Busy>();

  constructor(
    readonly db: SqliteDb,
    readonly sync: StoreSync,
    readonly terminal: PaymentTerminal,
    readonly rates: TaxRates,
    readonly currency: string,
    readonly storeName: string,
    readonly now: () => number,
    /** The store's pricing (issue #25): every view and the tender price the basket with its promotions and coupons. */
    readonly pricing: BasketPricer,
    readonly till: TillIdentity = {
      lane: 1,
      returnWindowDays: DEFAULT_RETURN_WINDOW_DAYS,
      profile: new StoreProfile(db),
    },
  ) {
    this.repo = new PosRepository(db);
    this.baskets = new BasketRepository(db);
    this.stock = new StockLedger(db);
    this.numbers = new LaneNumbers(db, till.profile, till.lane);
    this.returns = new PosReturns(sync, terminal, this.repo, this.stock, rates, now, this.numbers, {
      storeName,
      returnWindowDays: till.returnWindowDays,
      timeZone: () => till.profile.timeZone,
    });
    this.cards = new CardTenders(terminal, this.baskets, currency);
  }

  /** The node's own lane with the back office's reach: callers that are not a request (housekeeping, the bench). */
  get backOffice(): LaneCaller {
    return { lane: this.till.lane, anyLane: true };
  }

  /** Opens a basket on the caller's lane with that lane's next sale number (one FULL-synced transaction: never given twice). */
  open(by: LaneCaller = this.backOffice, cashier: Cashier | null = null): SaleView {
    const id = uuidv7(this.now());
    this.db.transaction(() => this.baskets.open(id, this.now(), by.lane, this.numbers.nextSale(by.lane), cashier))();
    return this.view(id);
  }

  /** The sale id a caller means: a sale number (typed or scanned, any case) or the id itself. */
  resolve(idOrNumber: string): string {
    const number = asSaleNumber(idOrNumber);
    if (!number) {
      if (SALE_ID.test(idOrNumber)) return idOrNumber;
      throw noSuchSale(idOrNumber, this.till.profile.code); // neither a number nor an id: a mistyped receipt number
    }
    const id = this.repo.idOfNumber(number);
    if (!id) throw noSuchSale(number, this.till.profile.code);
    return id;
  }

  /** The caller's lane and the basket it left open (a reload of the POS page picks it up), if any: never another lane's. */
  lane(by: LaneCaller = this.backOffice): LaneState {
    const open = this.baskets.openOnLane(by.lane);
    return {
      lane: by.lane,
      storeCode: this.till.profile.code,
      timeZone: this.till.profile.timeZone,
      returnWindowDays: this.till.returnWindowDays,
      open: open ? this.view(open) : null,
    };
  }

  /** Adds a scanned barcode (GTIN-8/12/13/14) or a typed sku. */
  add(saleId: string, code: string, qty: number, by: LaneCaller = this.backOffice): LineChange {
    this.#ownedBy(saleId, by);
    this.#editable(saleId);
    const p = this.repo.product(code, isValidGtin(code) ? toGtin14(code) : undefined);
    if (!p) throw new NotFoundError('product', code);
    const line = this.baskets.line(saleId, p.sku);
    if (!line && this.baskets.lineCount(saleId) >= BASKET_LIMITS.lines) {
      throw new ConflictError(
        `a sale holds at most ${BASKET_LIMITS.lines} different items: take payment for this one and start another`,
      );
    }
    this.#putLine(saleId, {
      sku: p.sku,
      name: p.name,
      tax_class: p.tax_class,
      unit_price_minor: p.price_minor,
      qty: (line?.qty ?? 0) + qty,
    });
    return this.#changed(saleId, line);
  }

  /** Quantity 0 takes the line off; another quantity drops a price override the line had (see `LineChange`). */
  setQty(saleId: string, sku: string, qty: number, by: LaneCaller = this.backOffice): LineChange {
    this.#ownedBy(saleId, by);
    this.#editable(saleId);
    const line = this.baskets.line(saleId, sku);
    if (!line) throw new NotFoundError('basket line', sku);
    if (qty === 0) this.baskets.deleteLine(saleId, sku, this.now());
    else this.#putLine(saleId, { ...line, qty });
    return qty === 0 ? this.view(saleId) : this.#changed(saleId, line);
  }

  /** The basket after a line's quantity changed, saying so when that took off the override the line had before. */
  #changed(saleId: string, before: LineRow | undefined): LineChange {
    const view = this.view(saleId);
    if (before?.override_price_minor == null) return view;
    if (this.baskets.line(saleId, before.sku)?.override_price_minor != null) return view; // same quantity: kept
    return {
      ...view,
      priceOverrideRemoved: {
        sku: before.sku,
        message: `${before.name}: price override removed: quantity changed; ask a manager again`,
      },
    };
  }

  /**
   * Keeps the customer's loyalty card (scanned or typed) with the open basket, replacing one shown before; its check
   * digit is checked here, offline (a wrong one is a 422 and changes nothing). It goes on the sale's `sale.completed`.
   */
  setCustomerCard(saleId: string, typed: string, by: LaneCaller = this.backOffice): SaleView {
    this.#ownedBy(saleId, by);
    this.#editable(saleId);
    this.baskets.setCustomerCard(saleId, parseCustomerCard(typed), this.now());
    return this.view(saleId);
  }

  /** Takes the customer's card off the open basket (the sale then goes to the hub without one); none there is fine. */
  removeCustomerCard(saleId: string, by: LaneCaller = this.backOffice): SaleView {
    this.#ownedBy(saleId, by);
    this.#editable(saleId);
    this.baskets.setCustomerCard(saleId, null, this.now());
    return this.view(saleId);
  }

  /**
   * Keeps the coupon codes entered for the open basket (replacing those before; `[]` takes them off), at most
   * five. Each is verified offline at every view and again at the tender; a refused one stays listed
   * with why (forged, expired, used, not for this basket…) and takes nothing off. The ones that applied are redeemed
   * in the sale's transaction.
   */
  setCoupons(saleId: string, codes: readonly string[], by: LaneCaller = this.backOffice): SaleView {
    this.#ownedBy(saleId, by);
    this.#editable(saleId);
    const unique = [...new Set(codes.map((c) => c.trim()))];
    if (unique.length > MAX_BASKET_COUPONS)
      throw new ValidationError(`a sale takes at most ${MAX_BASKET_COUPONS} coupons`);
    this.baskets.setCoupons(saleId, unique, this.now());
    return this.view(saleId);
  }

  async tender(
    saleId: string,
    tender: Tender,
    by: LaneCaller = this.backOffice,
    cashier: Cashier | null = null,
  ): Promise<SaleView> {
    this.#ownedBy(saleId, by);
    // Who takes the payment serves the customer (the receipt's "Served by"); a basket waiting for the terminal keeps its own.
    const basket = this.baskets.basket(saleId);
    if (cashier && basket && basket.tender_state === 'NONE' && !this.#busy.has(saleId))
      this.baskets.setCashier(saleId, cashier);
    // A restart's settling of this sale: its outcome decides below. Otherwise the tender starts now, in this turn, so
    // a scan that follows it is refused.
    if (this.#busy.has(saleId)) await this.#awaitSettle(saleId);
    return this.#run(saleId, 'tender', () => this.#tender(saleId, tender));
  }

  /**
   * Settles every card tender a previous process left in flight, and every card refund left waiting (called once at
   * start-up). Never throws: what the terminal cannot answer for yet stays waiting, and is asked again.
   */
  async resumeTenders(): Promise<void> {
    await Promise.all(this.baskets.authorising().map((id) => this.#settleInBackground(id)));
    await this.returns.resumeRefunds().catch(() => undefined); // asked again by the hourly housekeeping, which logs
  }

  /**
   * Voids an open basket (`reason` says who and why, for the lane). A card approved for it is voided at the terminal
   * first; if the terminal cannot say whether it charged the card, or will not void it, the basket stays (409).
   */
  async void(
    saleId: string,
    by: LaneCaller = this.backOffice,
    reason = 'Voided at the lane.',
    untouchedSince?: number,
    /** A manager's approval's audit row (issue #27), written in the void's own transaction. */
    audit?: AuditInWrite,
  ): Promise<SaleView> {
    this.#ownedBy(saleId, by);
    if (this.#busy.has(saleId)) await this.#awaitSettle(saleId);
    return this.#run(saleId, 'void', () => this.#void(saleId, reason, untouchedSince, audit));
  }

  /**
   * Voids every open basket nobody has changed for `idleMs` (hourly housekeeping), an approved card on it at the
   * terminal first. A basket the terminal cannot answer for, or in use right now, stays and is tried next time.
   */
  async expireOpenBaskets(idleMs: number): Promise<{ expired: string[]; kept: { saleId: string; why: string }[] }> {
    const cutoff = this.now() - idleMs;
    const idle = idleMs % 3_600_000 === 0 ? `${idleMs / 3_600_000} h` : `${Math.round(idleMs / 60_000)} min`;
    const expired: string[] = [];
    const kept: { saleId: string; why: string }[] = [];
    for (const saleId of this.baskets.untouchedSince(cutoff)) {
      if (this.#busy.has(saleId)) {
        kept.push({ saleId, why: `the sale is ${DOING[this.#busy.get(saleId)!.kind]}` });
        continue;
      }
      try {
        await this.void(
          saleId,
          this.backOffice,
          `Voided by the store node: nobody touched this basket for ${idle}.`,
          cutoff,
        );
        expired.push(saleId);
      } catch (err) {
        kept.push({ saleId, why: (err as Error).message });
      }
    }
    return { expired, kept };
  }

  /**
   * Returns items of a completed sale, at any lane (a receipt comes back to any till): the return slip is numbered on
   * the caller's lane; the money goes back the way it came (pos-returns.ts).
   */
  async returnItems(
    saleId: string,
    items: { sku: string; qty: number }[],
    by: LaneCaller = this.backOffice,
    /** Checks the refund (a manager's approval over the store's limit, issue #27) inside the return's first write. */
    check?: RefundCheck,
  ): Promise<ReturnAnswer & { sale: SaleView }> {
    const answer = await this.returns.returnItems(saleId, items, by.lane, check);
    return { ...answer, sale: this.view(saleId) };
  }

  /**
   * A manager's price override (issue #27): the line's unit price from now on is `unitPriceMinor` (below or above what
   * it was priced at), whatever the price books and promotions say, for as long as its quantity stays what it is now
   * (a scan or a new quantity takes it off: `LineChange`); another override replaces it. `audit` records it
   * in the same write. Returns the basket priced again, with the price the line had before.
   */
  overridePrice(
    saleId: string,
    sku: string,
    unitPriceMinor: number,
    reason: string,
    by: LaneCaller = this.backOffice,
    audit?: (emit: Emit, before: { unitPriceMinor: number; name: string; qty: number }) => void,
  ): SaleView {
    this.#ownedBy(saleId, by);
    this.#editable(saleId);
    const line = this.baskets.line(saleId, sku);
    if (!line) throw new NotFoundError('basket line', sku);
    const shown = this.view(saleId).lines.find((l) => l.sku === sku);
    // The quantity goes on the audit: the override holds for it only (another quantity takes it off, `LineChange`).
    const before = { unitPriceMinor: shown?.unitPriceMinor ?? unitPriceMinor, name: shown?.name ?? sku, qty: line.qty };
    this.sync.write((emit) => {
      if (!this.baskets.overridePrice(saleId, sku, unitPriceMinor, reason, this.now()))
        throw new NotFoundError('basket line', sku);
      audit?.(emit, before);
    });
    return this.view(saleId);
  }

  /**
   * The total an open sale shows now (what a manager approves a void of), or null when it is not open. Unlike `view`
   * it starts nothing: a basket waiting for the card terminal is not settled from here (the void decides what
   * becomes of its card), and its total is what the terminal was asked for.
   */
  openTotal(saleId: string): number | null {
    const basket = this.baskets.basket(saleId);
    if (!basket) return null;
    const lines = this.baskets.lines(saleId);
    if (basket.tender_state === 'AUTHORISING')
      return basket.tender_amount_minor ?? this.#tendered(basket, lines).totalMinor;
    return this.#price(basket, lines).totalMinor;
  }

  view(saleId: string): SaleView {
    const basket = this.baskets.basket(saleId);
    if (basket) {
      if (basket.tender_state === 'AUTHORISING' && !this.#busy.has(saleId)) void this.#settleInBackground(saleId);
      const lines = this.baskets.lines(saleId);
      // A card tender in flight shows what the terminal was asked for: the basket priced when the tender began.
      return saleView(this.#openRow(saleId, basket), lines, {
        ...this.#paper(),
        basket,
        priced: basket.tender_state === 'AUTHORISING' ? this.#tendered(basket, lines) : this.#price(basket, lines),
        note: this.cards.note(saleId),
      });
    }
    const s = this.repo.sale(saleId);
    if (!s) throw new NotFoundError('sale', saleId);
    const returned = s.status === 'COMPLETED' ? this.returns.repo.returnedQty(saleId) : undefined;
    return saleView(s, this.repo.lines(saleId), { ...this.#paper(), ...(returned ? { returned } : {}) });
  }

  /**
   * The basket priced by the store's pricing at `at` (default: now): its price books' effective prices (a price change
   * scheduled mid-basket shows at the basket's next view), member prices when a loyalty card is on it, its promotions
   * and its coupons, each verified again.
   */
  #price(basket: Opened, lines: readonly LineRow[], at?: number): PricedBasket {
    const codes = couponCodes(basket.coupons);
    // A coupon another lane's card tender holds is refused here (as used) until that tender ends.
    const held = new Map<string, CouponOutcome>();
    for (const code of codes) {
      const claims = readCoupon(code.trim());
      const couponId = claims ? couponIdOf(claims) : null;
      const other = couponId ? this.baskets.heldBy(couponId) : undefined;
      if (couponId && other && other.saleId !== basket.sale_id)
        held.set(code, {
          code: code.trim(),
          couponId,
          status: 'REFUSED',
          refusal: 'USED',
          message: `This coupon is held by a card payment in progress at lane ${other.lane ?? '?'} (sale ${other.number ?? other.saleId}).`,
        });
    }
    const coupons = codes.filter((c) => !held.has(c));
    const priced = priceBasket(
      this.pricing,
      lines,
      (sku) => this.repo.category(sku),
      {
        member: basket.customer_card !== null,
        ...(coupons.length ? { coupons } : {}),
        ...(at !== undefined ? { at } : {}),
      },
      this.rates,
    );
    if (!held.size) return priced;
    const engine = [...priced.coupons];
    return { ...priced, coupons: codes.map((c) => held.get(c) ?? engine.shift()!) };
  }

  /**
   * What an AUTHORISING basket charges: the basket as priced when the card tender began, kept with it (a restart or a
   * rule heard since changes nothing of it); a basket from before that was kept is priced again at the tender's time.
   */
  #tendered(basket: BasketRow, lines: readonly LineRow[]): PricedBasket {
    if (basket.tender_priced) {
      try {
        return JSON.parse(basket.tender_priced) as PricedBasket;
      } catch {
        // unreadable: priced again below
      }
    }
    return this.#price(basket, lines, basket.tender_started_at ?? this.now());
  }

  #paper() {
    return {
      rates: this.rates,
      storeName: this.storeName,
      timeZone: this.till.profile.timeZone,
      returnWindowDays: this.till.returnWindowDays,
    };
  }

  #openRow(saleId: string, opened: Opened): SaleRow {
    const openedAt = opened.opened_at;
    return {
      id: saleId,
      status: 'OPEN',
      currency: this.currency,
      subtotal_minor: 0,
      tax_minor: 0,
      total_minor: 0,
      tender_kind: null,
      tender_ref: null,
      cash_given_minor: null,
      opened_at: openedAt,
      closed_at: null,
      void_reason: null,
      lane: opened.lane,
      number: opened.number,
      cashier_user_id: opened.cashier_user_id ?? null,
      cashier_name: opened.cashier_name ?? null,
    };
  }

  #putLine(saleId: string, line: LineRow): void {
    if (line.qty > BASKET_LIMITS.qtyPerLine)
      throw new ConflictError(`a sale holds at most ${BASKET_LIMITS.qtyPerLine} of one item (${line.sku})`);
    this.baskets.putLine(saleId, line, this.now());
  }

  /**
   * Refuses a caller on another lane than the open sale's (403): lane 4's screen cannot ring up, tender or void the
   * customer at lane 3. The back office may; a basket from before lane numbers (no lane) is anyone's.
   */
  #ownedBy(saleId: string, by: LaneCaller): void {
    const basket = this.baskets.basket(saleId);
    if (!basket || by.anyLane || basket.lane === null || basket.lane === by.lane) return;
    throw new ForbiddenError(
      `Sale ${basket.number ?? saleId} belongs to lane ${basket.lane}: finish it at lane ${basket.lane}, or from the back office`,
    );
  }

  /** The basket of an open sale that may change now: not being tendered, not waiting for the terminal's answer. */
  #editable(saleId: string): void {
    const basket = this.baskets.basket(saleId);
    if (!basket) throw this.#notOpen(saleId);
    if (basket.tender_state === 'AUTHORISING')
      throw new ConflictError(`sale ${saleId} is waiting for the card terminal to say whether it was paid`);
    const busy = this.#busy.get(saleId);
    if (busy) throw new ConflictError(`sale ${saleId} is ${DOING[busy.kind]}`);
  }

  #notOpen(saleId: string): AppError {
    const s = this.repo.sale(saleId);
    return s ? new ConflictError(`sale ${saleId} is ${s.status}`) : new NotFoundError('sale', saleId);
  }

  /** Waits for a settling of the sale (its outcome decides what comes next); refuses if it is being tendered or voided. */
  async #awaitSettle(saleId: string): Promise<void> {
    for (let busy = this.#busy.get(saleId); busy; busy = this.#busy.get(saleId)) {
      if (busy.kind !== 'settle') throw new ConflictError(`sale ${saleId} is ${DOING[busy.kind]}`);
      await busy.done.catch(() => undefined);
    }
  }

  /** Runs `work` as the one thing this process does with the sale until it settles. */
  async #run<T>(saleId: string, kind: Busy['kind'], work: () => Promise<T>): Promise<T> {
    const done = work();
    this.#busy.set(saleId, { kind, done });
    try {
      return await done;
    } finally {
      this.#busy.delete(saleId);
    }
  }

  async #tender(saleId: string, tender: Tender): Promise<SaleView> {
    let basket = this.baskets.basket(saleId);
    if (!basket) throw this.#notOpen(saleId);
    if (basket.tender_state === 'AUTHORISING') {
      // A card was approved or asked for this sale before: the terminal's answer decides, not a new card.
      const outcome = await this.#settle(saleId);
      if (outcome.state === 'completed') return outcome.sale;
      if (outcome.state === 'waiting')
        throw new ConflictError(`${outcome.why}; the sale stays open and is asked again`);
      basket = this.baskets.basket(saleId)!;
    }
    const lines = this.baskets.lines(saleId);
    if (!lines.length) throw new ValidationError('the basket is empty');
    // The lane charges the prices in effect now, at the tender (the basket's promotions and coupons verified again).
    const at = this.now();
    const priced = this.#price(basket, lines, at);
    const total = money(priced.totalMinor, this.currency);
    if (tender.kind === 'CASH') {
      if (tender.givenMinor < total.minor) {
        throw new ValidationError(
          `cash given (${formatMoney(money(tender.givenMinor, this.currency))}) is less than the total (${formatMoney(total)})`,
        );
      }
      return this.#complete(saleId, basket, lines, tender, null, priced);
    }
    // The priced basket is kept and its coupons held from now on: another lane's basket refuses them meanwhile.
    this.baskets.setTender(saleId, {
      state: 'AUTHORISING',
      amountMinor: total.minor,
      at,
      priced: JSON.stringify(priced),
      holds: appliedCoupons(priced).map((c) => c.couponId),
    });
    let auth: Authorisation;
    try {
      auth = await this.terminal.authorise(total.minor, this.currency, saleId);
    } catch (err) {
      // The card may or may not have been charged. A terminal that can be asked keeps the basket waiting, so the
      // retry asks it first; one that cannot leaves the cashier to decide, as before.
      if (!this.terminal.lookup) this.baskets.setTender(saleId, { state: 'NONE', note: null });
      throw err;
    }
    if (!auth.approved) {
      this.baskets.setTender(saleId, { state: 'NONE', note: null });
      throw new AppError('unprocessable', `card declined: ${auth.reason}`, { declined: true });
    }
    const opened = basket;
    return this.cards.completeOrVoid(saleId, auth.reference, (ref) =>
      this.#complete(saleId, opened, lines, tender, ref, priced),
    );
  }

  async #complete(
    saleId: string,
    opened: Opened,
    lines: LineRow[],
    tender: Tender,
    ref: string | null,
    priced: PricedBasket,
  ): Promise<SaleView> {
    const at = this.now();
    const charged = chargedLines(lines, priced);
    const coupons = appliedCoupons(priced);
    const row: SaleRow = {
      ...this.#openRow(saleId, opened),
      status: 'COMPLETED',
      subtotal_minor: priced.subtotalMinor,
      tax_minor: priced.taxMinor,
      total_minor: priced.totalMinor,
      tender_kind: tender.kind,
      tender_ref: ref,
      cash_given_minor: tender.kind === 'CASH' ? tender.givenMinor : null,
      closed_at: at,
      customer_card_last4: opened.customer_card?.slice(-4) ?? null,
      promotions: priced.promotions.length
        ? JSON.stringify(
            priced.promotions.map((p) => ({
              promotionId: p.promotionId,
              name: p.name,
              discountMinor: p.discountMinor,
            })),
          )
        : null,
      coupons: coupons.length
        ? JSON.stringify(coupons.map((c) => ({ couponId: c.couponId, message: c.message })))
        : null,
      rules_revision: priced.rulesRevision,
    };
    try {
      await this.#write(saleId, row, charged, lines, opened, coupons, at);
    } catch (err) {
      // A coupon used meanwhile (another lane's sale, the hub's list): nothing was recorded. A cash sale is told with
      // its basket priced again without it; a card's approval is voided by the caller (completeOrVoid).
      if (err instanceof CouponUsedError)
        throw new ConflictError(
          `${err.message}: the sale was not recorded; the basket is priced again without it, take payment again`,
          { couponIds: err.couponIds, sale: tender.kind === 'CASH' ? this.view(saleId) : undefined },
        );
      throw err;
    }
    this.cards.forget(saleId);
    return saleView(row, charged, { ...this.#paper(), returned: new Map() }); // what was just committed; no need to read it back
  }

  #write(
    saleId: string,
    row: SaleRow,
    charged: LineRow[],
    lines: LineRow[],
    opened: Opened,
    coupons: ReturnType<typeof appliedCoupons>,
    at: number,
  ): Promise<void> {
    return this.sync.writeGrouped((emit) => {
      this.repo.insertSale(row, charged);
      this.stock.moveAll(
        emit,
        lines.map((l) => ({ sku: l.sku, delta: -l.qty })),
        'SALE',
        at,
        saleId,
      );
      emitSaleEvent(emit, 'sale.completed', saleCompletedPayload(row, charged, this.rates, opened.customer_card));
      // The coupons it took are used from now on, here at once and at the hub through `coupon.redeemed`; one used
      // meanwhile (checked here, in this transaction) throws CouponUsedError and nothing of the sale is recorded.
      if (coupons.length)
        this.pricing.redeem(
          emit,
          coupons.map((c) => ({
            couponId: c.couponId,
            promotionId: c.promotionId,
            saleId,
            ...(row.number ? { saleNumber: row.number } : {}),
            discountMinor: c.discountMinor,
            at,
          })),
        );
      this.baskets.remove(saleId);
    });
  }

  async #void(
    saleId: string,
    reason: string,
    untouchedSince: number | undefined,
    audit: AuditInWrite | undefined,
  ): Promise<SaleView> {
    let basket = this.baskets.basket(saleId);
    if (!basket) throw this.#notOpen(saleId);
    if (untouchedSince !== undefined && (this.baskets.lastTouched(saleId) ?? 0) >= untouchedSince)
      throw new ConflictError(`sale ${saleId} was changed meanwhile`);
    let card: string | null = null;
    let caveat = '';
    if (basket.tender_state === 'AUTHORISING') {
      card = await this.cards.cancel(saleId, basket);
      if (!card && !this.terminal.lookup)
        caveat = ' The card terminal cannot say whether the card was charged: check its last slip for this sale.';
      basket = this.baskets.basket(saleId);
      if (!basket) throw this.#notOpen(saleId);
    }
    const lines = this.baskets.lines(saleId);
    const row: SaleRow = {
      ...this.#openRow(saleId, basket),
      status: 'VOIDED',
      tender_kind: card ? 'CARD' : null,
      tender_ref: card,
      closed_at: this.now(),
      void_reason: card
        ? `${reason} Card payment ${card} was voided at the terminal: the customer was not charged.`
        : reason + caveat,
    };
    this.sync.write((emit) => {
      this.repo.insertSale(row, lines);
      emitSaleEvent(emit, 'sale.voided', saleVoidedPayload(row, lines, card));
      audit?.(emit);
      this.baskets.remove(saleId);
    });
    this.cards.forget(saleId);
    return saleView(row, lines, this.#paper());
  }

  #settle(saleId: string): Promise<Settled> {
    return this.cards.settle(saleId, (ref) => {
      const basket = this.baskets.basket(saleId)!;
      const lines = this.baskets.lines(saleId);
      // Exactly as priced when the tender began: the terminal was asked for that total.
      const priced = this.#tendered(basket, lines);
      return this.#complete(saleId, basket, lines, { kind: 'CARD' }, ref, priced);
    });
  }

  /** Settles a tender left in flight, as the one thing done with the sale; failures stay visible on the basket. */
  async #settleInBackground(saleId: string): Promise<void> {
    if (this.#busy.has(saleId)) return;
    await this.#run(saleId, 'settle', () => this.#settle(saleId)).catch((err: unknown) =>
      this.cards.failed(saleId, err),
    );
  }
}
