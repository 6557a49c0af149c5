import {
  ConflictError,
  type ExitClaims,
  NotFoundError,
  parseEventPayload,
  type SaleCompleted,
  UnprocessableError,
  AppError,
  verifyExitToken,
  type FeedEntry,
} from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import { storeDay } from '../delivery/delivery-desk.js';
import { PosRepository, type LineRow, type SaleRow } from '../pos/pos-repository.js';
import { emitSaleEvent } from '../pos/sale-events.js';
import { StoreProfile } from '../pos/store-profile.js';
import { doorKeys } from '../pricing/door-keys.js';
import type { StorePricing } from '../pricing/index.js';
import type { StockLedger } from '../stock/stock-ledger.js';
import type { Emit, StoreSync } from '../sync/index.js';
import { type DoorExit, type DoorSale, ScanGoStoreRepository } from './scan-go-repository.js';

/** What the door says of a token that lets its customer out. */
export interface DoorVerdict {
  readonly ok: true;
  readonly sessionId: string;
  readonly itemCount: number;
  readonly totalMinor: number;
  readonly currency: string | null;
  /** The basket as the store recorded it (null when its `scango.paid` has not arrived yet: the token is enough). */
  readonly items: DoorSale['lines'] | null;
  /** The hub drew this exit for a bag check: the associate counts the bag and reports it. */
  readonly audit: boolean;
  readonly validUntil: number;
  readonly message: string;
}

/**
 * Scan & Go at the store (lane F). The door checks an exit token offline — the hub's signature with the keys in the
 * store's pricing copy, this store, the time window — and lets each token out once (a second scan is refused with
 * the first one's time); `scango.exited` goes up for head office (PASSED at once, AUDITED when the associate reports
 * the bag check, REFUSED for a token shown again). A `scango.paid` feed entry is recorded as one completed sale
 * (stock moves, `sale.completed` with an APP tender) in the feed's transaction, once per sale however often it comes.
 */
export class ScanGoDoor {
  readonly repo: ScanGoStoreRepository;
  readonly #pos: PosRepository;
  readonly #profile: StoreProfile;
  /** Appends to the outbox inside the feed's transaction. */
  readonly #feedEmit: Emit;

  constructor(
    readonly db: SqliteDb,
    readonly sync: StoreSync,
    readonly pricing: StorePricing,
    readonly stock: StockLedger,
    readonly log: SyncLogger,
    readonly now: () => number,
    readonly storeId: string | null,
  ) {
    this.repo = new ScanGoStoreRepository(db);
    this.#pos = new PosRepository(db);
    this.#profile = new StoreProfile(db);
    this.#feedEmit = Object.assign((type: string, payload: unknown) => sync.outbox.append(type, payload), {
      all: (events: readonly { type: string; payload: unknown }[]) => sync.outbox.appendAll(events),
    });
  }

  /** The store's clock time `HH:MM` in its zone. */
  #clock(ms: number): string {
    const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
    try {
      return new Intl.DateTimeFormat('en-GB', { timeZone: this.#profile.timeZone, ...opts }).format(ms);
    } catch {
      return new Intl.DateTimeFormat('en-GB', opts).format(ms);
    }
  }

  /** Checks an exit token (offline): the verdict, or a 4xx problem naming why the customer may not leave with it. */
  check(token: string): DoorVerdict {
    if (!this.storeId) throw new AppError('unavailable', 'this store node is not registered with a hub yet');
    const at = this.now();
    // the audit decision is sealed in the token: only this store's door keys open it (none: every bag is checked)
    const v = verifyExitToken(token, this.pricing.rules().couponKeys, {
      storeId: this.storeId,
      at,
      doorKeys: doorKeys(this.db),
    });
    if (!v.ok) throw new UnprocessableError(`do not let out: ${v.message}`, { refusal: v.refusal, verdict: 'REFUSED' });
    const c: ExitClaims = v.claims;
    const outcome = c.audit ? 'AUDIT_DUE' : 'PASSED';
    const first = this.sync.write((emit) => {
      if (
        !this.repo.insertExit({ sessionId: c.sessionId, outcome, at, itemCount: c.itemCount, totalMinor: c.totalMinor })
      ) {
        this.repo.refusedAgain(c.sessionId);
        emit('scango.exited', { sessionId: c.sessionId, at, outcome: 'REFUSED', refusal: 'ALREADY_USED' });
        return false;
      }
      if (!c.audit) emit('scango.exited', { sessionId: c.sessionId, at, outcome: 'PASSED' });
      return true;
    });
    if (!first) {
      const was = this.repo.exit(c.sessionId)!;
      throw new ConflictError(`do not let out: this exit code was already used at ${this.#clock(was.at)}`, {
        refusal: 'ALREADY_USED',
        verdict: 'REFUSED',
        usedAt: was.at,
      });
    }
    const sale = this.repo.sale(c.sessionId);
    return {
      ok: true,
      sessionId: c.sessionId,
      itemCount: c.itemCount,
      totalMinor: c.totalMinor,
      currency: sale?.currency ?? null,
      items: sale?.lines ?? null,
      audit: c.audit,
      validUntil: c.validUntil,
      message: c.audit
        ? `CHECK THIS BAG: count ${c.itemCount} item${c.itemCount === 1 ? '' : 's'} before letting the customer out`
        : `let out: ${c.itemCount} item${c.itemCount === 1 ? '' : 's'} paid in the app`,
    };
  }

  /** The associate's check of an audited bag: AUDITED with what they counted; `scango.exited` AUDITED goes up. */
  audit(sessionId: string, counted: number, matched: boolean): DoorExit {
    const e = this.repo.exit(sessionId);
    if (!e) throw new NotFoundError('scan & go exit', sessionId);
    if (e.outcome !== 'AUDIT_DUE')
      throw new ConflictError(
        e.outcome === 'AUDITED'
          ? `this bag was checked already at ${this.#clock(e.auditedAt ?? e.at)}`
          : 'this exit was not picked for a bag check',
        { outcome: e.outcome },
      );
    const at = this.now();
    this.sync.write((emit) => {
      if (!this.repo.audited(sessionId, counted, matched, at)) throw new ConflictError('this bag was checked already');
      emit('scango.exited', { sessionId, at, outcome: 'AUDITED', counted, matched });
    });
    return this.repo.exit(sessionId)!;
  }

  /** Today's exits at this door (the store's day), newest first, with counts. */
  today(): { day: string; exits: DoorExit[]; counts: Record<string, number> } {
    const { day, from, to } = storeDay(this.now(), this.#profile.timeZone);
    const exits = this.repo.exitsBetween(from, to, 500);
    const counts: Record<string, number> = { PASSED: 0, AUDIT_DUE: 0, AUDITED: 0 };
    for (const e of exits) counts[e.outcome] = (counts[e.outcome] ?? 0) + 1;
    return { day, exits, counts };
  }

  /**
   * Feed handler for `scango.paid`: one completed sale (tender APP), its stock moves and `sale.completed`, in the
   * feed's transaction; nothing when this sale (or session) was recorded before. A payload that is not one, or one
   * for another store, throws: the entry is parked.
   */
  applyPaid(entry: FeedEntry): void {
    const p = parseEventPayload('scango.paid', entry.payload);
    if (this.storeId && p.storeId !== this.storeId)
      throw new Error(`scango.paid for store ${p.storeId} reached store ${this.storeId}`);
    if (this.repo.hasSale(p.sessionId, p.saleId)) return;
    const row: SaleRow = {
      id: p.saleId,
      status: 'COMPLETED',
      currency: p.currency,
      subtotal_minor: p.subtotalMinor,
      tax_minor: p.taxMinor,
      total_minor: p.totalMinor,
      tender_kind: 'APP',
      tender_ref: p.paymentRef,
      cash_given_minor: null,
      opened_at: p.paidAt,
      closed_at: p.paidAt,
      void_reason: null,
      lane: null,
      number: null,
      customer_card_last4: p.customerCard?.slice(-4) ?? null,
    };
    const lines: LineRow[] = p.lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      tax_class: l.taxClass,
      unit_price_minor: l.unitPriceMinor,
      qty: l.qty,
      discount_minor: l.discountMinor,
      tax_minor: l.taxMinor,
    }));
    const completed: SaleCompleted = {
      saleId: p.saleId,
      lane: null,
      currency: p.currency,
      openedAt: p.paidAt,
      closedAt: p.paidAt,
      lines: p.lines.map((l) => ({
        sku: l.sku,
        qty: l.qty,
        unitPriceMinor: l.unitPriceMinor,
        taxClass: l.taxClass,
        ...(l.discountMinor ? { discountMinor: l.discountMinor } : {}),
        subtotalMinor: l.subtotalMinor,
        taxMinor: l.taxMinor,
      })),
      subtotalMinor: p.subtotalMinor,
      taxMinor: p.taxMinor,
      totalMinor: p.totalMinor,
      tenders: [{ kind: 'APP', amountMinor: p.totalMinor, reference: p.paymentRef }],
      ...(p.customerCard ? { customerCard: p.customerCard } : {}),
      ...(p.promotions?.length ? { promotions: p.promotions } : {}),
    };
    this.#pos.insertSale(row, lines);
    this.stock.moveAll(
      this.#feedEmit,
      p.lines.map((l) => ({ sku: l.sku, delta: -l.qty })),
      'SALE',
      p.paidAt,
      p.saleId,
    );
    emitSaleEvent(this.#feedEmit, 'sale.completed', completed);
    this.repo.insertSale(
      {
        sessionId: p.sessionId,
        saleId: p.saleId,
        currency: p.currency,
        itemCount: p.lines.reduce((n, l) => n + l.qty, 0),
        totalMinor: p.totalMinor,
        lines: p.lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty })),
        paidAt: p.paidAt,
      },
      this.now(),
    );
    // The uploader is woken after the feed page commits (a feed page does not wake it by itself).
    setImmediate(() => {
      try {
        this.sync.client?.outboxChanged();
      } catch (err) {
        this.log.warn({ err }, 'could not wake the uploader after a scan & go sale; it goes up with the next event');
      }
    });
  }
}
