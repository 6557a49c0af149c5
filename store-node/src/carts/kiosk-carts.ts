import {
  addToCart,
  cartBoundsProblem,
  cartDocId,
  cartQty,
  cartView,
  ConflictError,
  isValidGtin,
  NotFoundError,
  setCartQty,
  toGtin14,
  type CartDoc,
  type CartView,
  type PricedBasket,
} from '@storefleet/shared';
import type { StorePricing } from '../pricing/index.js';
import type { PosRepository } from '../pos/pos-repository.js';
import type { StockLedger } from '../stock/stock-ledger.js';
import type { StoreSync } from '../sync/store-sync.js';

/**
 * The customer's shared cart at a lane or kiosk: the same Automerge document the web and app edit, changed here
 * locally (offline too) and synced with the hub when it can be. Products come from the store's catalog copy; for a
 * pickup here, availability is the store's own stock. Other fulfilments are checked by the hub at checkout.
 */
export class KioskCarts {
  constructor(
    readonly sync: StoreSync,
    readonly products: PosRepository,
    readonly stock: StockLedger,
    readonly storeId: string,
    readonly now: () => number,
    /** The store's pricing (issue #25): the cart is shown priced with this store's promotions, offline. */
    readonly pricing?: Pick<StorePricing, 'price'>,
  ) {}

  /**
   * The cart with `priced`: its lines priced here now by the store's pricing (price books, promotions; member prices
   * when `member`, which the kiosk session does not know yet: without it, none), or null when the cart is empty, a
   * line's tax class has no rate here, or no pricing is wired.
   */
  view(customerId: string, member = false): CartView & { customerId: string; priced: PricedBasket | null } {
    const cart = cartView(this.sync.docs.open<CartDoc>(cartDocId(customerId)));
    return { customerId, ...cart, priced: this.priced(cart, member) };
  }

  /** `cart` (this node's copy, or the hub's answer) priced here now; null as for `view`. */
  priced(cart: CartView, member: boolean): PricedBasket | null {
    if (!this.pricing || !cart.lines.length) return null;
    try {
      return this.pricing.price(
        cart.lines.map((l) => {
          const category = this.products.category(l.sku);
          return {
            sku: l.sku,
            qty: l.qty,
            catalogPriceMinor: l.unitPriceMinor,
            taxClass: l.taxClass,
            name: l.name,
            ...(category ? { category } : {}),
          };
        }),
        { member },
      );
    } catch (err) {
      if (err instanceof RangeError) return null; // a line the store cannot price (a tax class it has no rate for)
      throw err;
    }
  }

  add(customerId: string, code: string, qty: number): ReturnType<KioskCarts['view']> {
    const p = this.products.product(code, isValidGtin(code) ? toGtin14(code) : undefined);
    if (!p) throw new NotFoundError('product', code);
    const doc = this.sync.docs.open<CartDoc>(cartDocId(customerId));
    this.#withinBounds(doc, p.sku, { add: qty });
    const f = cartView(doc).fulfilment;
    if ((f.type === 'PICKUP' || f.type === 'CURBSIDE') && f.storeId === this.storeId) {
      const want = cartQty(doc, p.sku) + qty;
      const here = this.stock.onHand(p.sku);
      if (here < want)
        throw new ConflictError(
          here > 0
            ? `Only ${here} ${p.name} left in this store for pickup — your cart would have ${want}.`
            : `${p.name} is out of stock in this store, so it can’t be added for pickup here.`,
          { sku: p.sku, outOfStock: true, wanted: want, available: Math.max(0, here) },
        );
    }
    const snapshot = {
      sku: p.sku,
      name: p.name,
      unitPriceMinor: p.price_minor,
      currency: p.currency,
      taxClass: p.tax_class,
    };
    this.sync.docs.change<CartDoc>(cartDocId(customerId), (d) =>
      addToCart(d, snapshot, qty, `store:${this.storeId}`, this.now()),
    );
    return this.view(customerId);
  }

  setQty(customerId: string, sku: string, qty: number): ReturnType<KioskCarts['view']> {
    const doc = this.sync.docs.open<CartDoc>(cartDocId(customerId));
    if (cartQty(doc, sku) === 0) throw new NotFoundError('cart line', sku);
    this.#withinBounds(doc, sku, { setTo: qty });
    this.sync.docs.change<CartDoc>(cartDocId(customerId), (d) => void setCartQty(d, sku, qty));
    return this.view(customerId);
  }

  /**
   * Refuses (409) an edit that would take a line past MAX_CART_QTY or the cart past MAX_CART_LINES: the hub would
   * accept it but could not check the cart out, and the customer is here to fix it now.
   */
  #withinBounds(doc: CartDoc, sku: string, change: { add: number } | { setTo: number }): void {
    const problem = cartBoundsProblem(doc, sku, change);
    if (problem) throw new ConflictError(problem, { sku });
  }
}
