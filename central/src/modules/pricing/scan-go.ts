import {
  addToCart,
  cartBoundsProblem,
  cartDocId,
  cartQty,
  cartView,
  ConflictError,
  isValidGtin,
  NotFoundError,
  parseEventPayload,
  type PricedBasket,
  setCartQty,
  setFulfilment,
  toGtin14,
  type CartDoc,
  uuidv7,
} from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { EventHandler } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import type { HubPricerService } from './hub-pricer.js';
import { SCAN_GO_ACTOR } from './scan-go-actor.js';
import { ScanGoCheckout } from './scan-go-checkout.js';
import { type ExitRow, ScanGoRepository, type ScanGoRow, type ScanGoStatus } from './scan-go-repository.js';
import type { SigningKeys } from './signing-keys.js';

/** How often one hub settles payments a timeout or a crash left CHARGING. */
const SETTLE_EVERY_MS = 15_000;

/** A session as the API answers it. `exitToken` only once PAID, and only to head office (the app backend). */
export interface ScanGoSession {
  readonly id: string;
  readonly customerId: string;
  readonly storeId: string;
  readonly status: ScanGoStatus;
  /** The basket priced now (SHOPPING), or what was charged (CHARGING, PAID); null when cancelled. */
  readonly priced: PricedBasket | null;
  readonly saleId: string | null;
  readonly paidAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly exitToken?: string;
  /** Set when the provider has not answered yet: the session stays CHARGING until the settle job hears. */
  readonly message?: string;
}

/**
 * Scan & Go (lane F): a customer's session at a store over their cart document, scans by barcode, a priced checkout
 * paid in the app (PAYMENTS), a signed exit token the door checks offline, and the paid basket sent to the store's
 * feed (`scango.paid`) so the store records the sale and moves its stock.
 *
 * "At this store" is the cart's fulfilment PICKUP at the session's store (what a kiosk's "pick up here" sets), so the
 * cart prices at that store's books and promotions; a session does not check availability (the goods are in hand).
 */
export class ScanGo {
  readonly checkout: ScanGoCheckout;

  constructor(
    readonly ctx: HubContext,
    readonly pricer: HubPricerService,
    readonly keys: SigningKeys,
  ) {
    this.checkout = new ScanGoCheckout(ctx, pricer, keys, this);
  }

  repo(): ScanGoRepository {
    return new ScanGoRepository(this.ctx.db);
  }

  async start(): Promise<void> {
    this.ctx.jobs.define({ name: 'pricing.scan-go-settle', run: async () => this.checkout.settle() });
    await this.ctx.jobs.schedule('pricing.scan-go-settle', { everyMs: SETTLE_EVERY_MS });
  }

  /**
   * Opens a session (201), or answers the customer's open one at this store (`created: false`); an open one at
   * another store is a 409 naming it (its basket is priced there and its cart picks up there).
   */
  async open(customerId: string, storeId: string): Promise<{ session: ScanGoSession; created: boolean }> {
    const repo = this.repo();
    if (!(await this.customer(customerId))) throw new NotFoundError('customer', customerId);
    if (!(await repo.isStore(storeId))) throw new NotFoundError('store', storeId);
    const open = await repo.openOf(customerId);
    if (open) return { session: await this.view(this.#sameStore(open, storeId), false), created: false };
    const id = uuidv7(this.ctx.now());
    if (!(await repo.insert(id, customerId, storeId, this.ctx.now()))) {
      const raced = await repo.openOf(customerId);
      if (raced) return { session: await this.view(this.#sameStore(raced, storeId), false), created: false };
      throw new ConflictError(`customer ${customerId} is opening a session: ask again`);
    }
    await this.ctx.docs.change<CartDoc>(SCAN_GO_ACTOR, cartDocId(customerId), (d) =>
      setFulfilment(d, { type: 'PICKUP', storeId }),
    );
    return { session: await this.view((await repo.get(id))!, false), created: true };
  }

  /** The session, or a 404 (also for a session the caller may not see: `visible` says). */
  async session(id: string, visible: (s: ScanGoRow) => boolean = () => true): Promise<ScanGoRow> {
    const s = await this.repo().get(id);
    if (!s || !visible(s)) throw new NotFoundError('scan & go session', id);
    return s;
  }

  async view(s: ScanGoRow, withToken: boolean): Promise<ScanGoSession> {
    let priced: PricedBasket | null = s.charging;
    let message: string | undefined;
    if (s.status === 'SHOPPING')
      try {
        priced = await this.priceCart(s);
      } catch (err) {
        // A product gone from the catalog since it was scanned: the session is still read (and the line can be
        // removed); it cannot be priced or paid until it is.
        if (!(err instanceof NotFoundError) || err.extra.entity !== 'product') throw err;
        priced = null;
        message = `${String(err.extra.id)} is no longer sold: remove it (quantity 0) to price and pay for the basket`;
      }
    return {
      id: s.id,
      customerId: s.customerId,
      storeId: s.storeId,
      status: s.status,
      priced: s.status === 'CANCELLED' ? null : priced,
      saleId: s.saleId,
      paidAt: s.paidAt,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      ...(withToken && s.status === 'PAID' && s.exitToken ? { exitToken: s.exitToken } : {}),
      ...(message ? { message } : {}),
    };
  }

  /** The cart's lines as the pricer takes them (a cart a merge took past a bound is refused for checkout). */
  async cartLines(customerId: string): Promise<{ lines: { sku: string; qty: number }[]; overBounds?: string }> {
    const view = cartView(await this.ctx.docs.read<CartDoc>(SCAN_GO_ACTOR, cartDocId(customerId)));
    return {
      lines: view.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
      ...(view.overBounds ? { overBounds: view.overBounds } : {}),
    };
  }

  /**
   * The customer and their loyalty card (a member holds one), through CUSTOMER_DIRECTORY; undefined for no such
   * customer, and for every id in a hub without the customers module (nobody can be checked, so nobody shops).
   * `q`: the caller's transaction.
   */
  async customer(customerId: string, q?: Queryable): Promise<{ card: string | null } | undefined> {
    const c = await this.ctx.services.find(CUSTOMER_DIRECTORY)?.get(customerId, q);
    return c ? { card: c.loyaltyCard } : undefined;
  }

  async member(customerId: string): Promise<boolean> {
    return Boolean((await this.customer(customerId))?.card);
  }

  async priceCart(s: ScanGoRow, coupons?: readonly string[]): Promise<PricedBasket> {
    const { lines } = await this.cartLines(s.customerId);
    return this.pricer.priceLines({
      lines,
      storeId: s.storeId,
      member: await this.member(s.customerId),
      ...(coupons?.length ? { coupons } : {}),
    });
  }

  /**
   * Adds `qty` of what a barcode (GTIN) or sku names to the customer's cart. `bySku`: the code is a sku (a line set
   * by its sku), never read as a barcode, so a numeric sku is not taken for another product's GTIN.
   */
  async scan(id: string, code: string, qty: number, bySku = false): Promise<ScanGoSession> {
    const s = this.#shopping(await this.session(id));
    const catalog = this.ctx.services.get(CATALOG_PRODUCTS);
    // a barcode names its product; a code no barcode matches may still be a (numeric) sku
    const product =
      (!bySku && /^\d{8,14}$/.test(code) && isValidGtin(code) ? await catalog.byGtin(toGtin14(code)) : undefined) ??
      (await catalog.get(code));
    if (!product) throw new NotFoundError('product', code);
    await this.#changeCart(s, (d) => {
      const bounds = cartBoundsProblem(d, product.sku, { add: qty });
      if (bounds) throw new ConflictError(bounds, { sku: product.sku });
      addToCart(
        d,
        {
          sku: product.sku,
          name: product.name,
          unitPriceMinor: product.priceMinor,
          currency: product.currency,
          taxClass: product.taxClass,
        },
        qty,
        `scan-go:${s.id}`,
        this.ctx.now(),
      );
    });
    return this.view(s, false);
  }

  /** Sets a line's quantity (0 removes it). */
  async setLine(id: string, sku: string, qty: number): Promise<ScanGoSession> {
    const s = this.#shopping(await this.session(id));
    const doc = await this.ctx.docs.read<CartDoc>(SCAN_GO_ACTOR, cartDocId(s.customerId));
    if (cartQty(doc, sku) === 0) {
      if (qty === 0) throw new NotFoundError('cart line', sku);
      return this.scan(id, sku, qty, true);
    }
    await this.#changeCart(s, (d) => {
      const bounds = cartBoundsProblem(d, sku, { setTo: qty });
      if (bounds) throw new ConflictError(bounds, { sku });
      setCartQty(d, sku, qty);
    });
    return this.view(s, false);
  }

  async cancel(id: string): Promise<ScanGoSession> {
    const s = await this.session(id);
    if (s.status === 'CANCELLED') return this.view(s, false);
    if (!(await this.repo().cancel(id, this.ctx.now())))
      throw new ConflictError(`scan & go session ${id} is ${s.status.toLowerCase()}: it can no longer be cancelled`, {
        sessionStatus: s.status,
      });
    return this.view((await this.repo().get(id))!, false);
  }

  async exits(f: { storeId: string | null; from: number; to: number }): Promise<{
    exits: ExitRow[];
    counts: Record<string, number>;
  }> {
    const repo = this.repo();
    return { exits: await repo.exits({ ...f, limit: 500 }), counts: await repo.exitCounts(f) };
  }

  /** The `scango.exited` event handler: each exit recorded once (a repeated event changes nothing). */
  exitedHandler(): EventHandler {
    return async (tx, events) => {
      const rejected: { seq: number; reason: string }[] = [];
      const rows: ExitRow[] = [];
      for (const e of events) {
        try {
          const p = parseEventPayload('scango.exited', e.payload);
          rows.push({
            sessionId: p.sessionId,
            storeId: e.origin,
            outcome: p.outcome,
            at: p.at,
            refusal: p.refusal ?? null,
            counted: p.counted ?? null,
            matched: p.matched ?? null,
          });
        } catch (err) {
          rejected.push({ seq: e.seq, reason: err instanceof Error ? err.message : String(err) });
        }
      }
      await new ScanGoRepository(tx).insertExits(rows, this.ctx.now());
      return rejected.length ? { rejected } : undefined;
    };
  }

  /** The customer's open session is answered again only at its own store: at another one the app must end it first. */
  #sameStore(open: ScanGoRow, storeId: string): ScanGoRow {
    if (open.storeId !== storeId)
      throw new ConflictError(
        `customer ${open.customerId} has an open scan & go session ${open.id} at store ${open.storeId}: cancel or pay for it before shopping at another store`,
        { sessionId: open.id, storeId: open.storeId, status: open.status },
      );
    return open;
  }

  #shopping(s: ScanGoRow): ScanGoRow {
    if (s.status !== 'SHOPPING')
      throw new ConflictError(
        `scan & go session ${s.id} is ${s.status.toLowerCase()}: its basket can no longer change`,
        {
          sessionStatus: s.status,
        },
      );
    return s;
  }

  async #changeCart(s: ScanGoRow, fn: (d: CartDoc) => void): Promise<void> {
    await this.ctx.docs.change<CartDoc>(SCAN_GO_ACTOR, cartDocId(s.customerId), fn);
  }
}
