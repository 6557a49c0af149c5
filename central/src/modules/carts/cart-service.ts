import {
  AppError,
  addToCart,
  cartBoundsProblem,
  cartDocId,
  cartQty,
  cartView,
  ConflictError,
  NotFoundError,
  setCartQty,
  setFulfilment,
  ValidationError,
  type CartDoc,
  type CartView,
  type Fulfilment,
  type PricedBasket,
} from '@storefleet/shared';
import type { Logger } from 'pino';
import type { HubPricer } from '../../kernel/ports/pricing.js';
import { storeOf } from '../../kernel/access.js';
import type { Caller } from '../../kernel/principal.js';
import type { CartAdds } from './cart-adds.js';
import type { HubDocs } from '../../kernel/module-contract.js';
import type { StoreCartLinks } from './store-links.js';
import type { Availability, CatalogProducts, CustomerDirectory } from './types.js';

const actorOf = (p: Caller) =>
  p.kind === 'store' ? `store:${p.storeId}` : p.kind === 'user' ? `user:${p.userId}` : `customer:${p.customerId}`;

/**
 * A signed-in customer (issue #26) reads and changes only their own cart: any other customer's id is missing to them,
 * exactly as one that never was (staff and stores pass, by the rules below).
 */
function assertOwnCart(caller: Caller, customerId: string): void {
  if (caller.kind === 'customer' && caller.customerId !== customerId) throw new NotFoundError('customer', customerId);
}

/**
 * The cart through the hub's API (web and app). The document itself is the one the stores edit; this adds what
 * only the hub can check: the product and its current price, and availability for the chosen fulfilment.
 */
export class CartService {
  constructor(
    readonly docs: HubDocs,
    readonly catalog: CatalogProducts,
    readonly availability: Availability,
    readonly customers: CustomerDirectory,
    readonly links: StoreCartLinks,
    readonly now: () => number,
    /** Told of each line added or raised (recommendations' cart adds); nothing when absent. */
    readonly adds?: CartAdds,
    /** The pricing module's pricer (issue #25), for the cart's `priced` view; undefined in a hub without one. */
    readonly pricer?: () => HubPricer | undefined,
    readonly log?: Logger,
  ) {}

  async view(principal: Caller, customerId: string): Promise<CartView & { customerId: string }> {
    return { customerId, ...cartView(await this.readable(principal, customerId)) };
  }

  /**
   * The cart with `priced` (issue #25): the basket as PRICING prices it at the cart's fulfilment store (online for
   * SHIP), member prices for a customer with a loyalty card. Null without a pricing module, and null with
   * `pricedProblem` saying why when it cannot be priced (a product gone from the catalog): the cart is read anyway.
   */
  async pricedView(
    principal: Caller,
    customerId: string,
  ): Promise<CartView & { customerId: string; priced: PricedBasket | null; pricedProblem?: string }> {
    const cart = await this.view(principal, customerId);
    const pricer = this.pricer?.();
    if (!pricer) return { ...cart, priced: null };
    try {
      const customer = await this.customers.get(customerId);
      const priced = await pricer.priceLines({
        lines: cart.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
        storeId: cart.fulfilment.type === 'SHIP' ? null : cart.fulfilment.storeId,
        member: !!customer?.loyaltyCard,
      });
      return { ...cart, priced };
    } catch (err) {
      if (err instanceof AppError) return { ...cart, priced: null, pricedProblem: err.message };
      this.log?.warn({ err, customerId }, 'carts: pricing a cart failed');
      return { ...cart, priced: null, pricedProblem: 'the cart could not be priced just now' };
    }
  }

  /**
   * The cart, to a caller that may read it: head office, or a store that works on the customer's cart or fulfils it
   * (see StoreCartLinks.mayRead). To any other store the customer is missing, exactly as an id that does not exist.
   */
  async readable(principal: Caller, customerId: string): Promise<CartDoc> {
    assertOwnCart(principal, customerId);
    await this.#customer(customerId);
    const doc = await this.docs.read<CartDoc>(principal, cartDocId(customerId));
    if (
      principal.kind !== 'customer' &&
      !(await this.links.mayRead(principal, customerId, cartView(doc).fulfilment.storeId))
    )
      throw new NotFoundError('customer', customerId);
    return doc;
  }

  async add(
    principal: Caller,
    customerId: string,
    sku: string,
    qty: number,
  ): Promise<CartView & { customerId: string }> {
    assertOwnCart(principal, customerId);
    await this.#customer(customerId);
    const product = await this.catalog.get(sku);
    if (!product) throw new NotFoundError('product', sku);
    const doc = await this.docs.read<CartDoc>(principal, cartDocId(customerId));
    const view = cartView(doc);
    const bounds = cartBoundsProblem(doc, sku, { add: qty });
    if (bounds) throw new ConflictError(bounds, { sku });
    await this.#assertAvailable(view.fulfilment, sku, cartQty(doc, sku) + qty);
    const snapshot = {
      sku,
      name: product.name,
      unitPriceMinor: product.priceMinor,
      currency: product.currency,
      taxClass: product.taxClass,
    };
    const answer = await this.#change(principal, customerId, (d) =>
      addToCart(d, snapshot, qty, actorOf(principal), this.now()),
    );
    await this.#added(principal, answer, sku);
    return answer;
  }

  async setQty(
    principal: Caller,
    customerId: string,
    sku: string,
    qty: number,
  ): Promise<CartView & { customerId: string }> {
    assertOwnCart(principal, customerId);
    const doc = await this.docs.read<CartDoc>(principal, cartDocId(customerId));
    if (!doc.lines?.[sku] || cartQty(doc, sku) === 0) throw new NotFoundError('cart line', sku);
    const raised = qty > cartQty(doc, sku);
    if (raised) await this.#assertAvailable(cartView(doc).fulfilment, sku, qty);
    const answer = await this.#change(principal, customerId, (d) => void setCartQty(d, sku, qty));
    if (raised) await this.#added(principal, answer, sku);
    return answer;
  }

  /** Changes how the order will be fulfilled; every line must be available that way. */
  async setFulfilment(
    principal: Caller,
    customerId: string,
    f: Fulfilment,
  ): Promise<CartView & { customerId: string }> {
    assertOwnCart(principal, customerId);
    if (f.type !== 'SHIP' && !f.storeId) throw new ValidationError(`${f.type} needs a storeId`);
    if (f.type === 'SHIP' && f.storeId)
      throw new ValidationError('SHIP is from a distribution centre: leave storeId out');
    const doc = await this.docs.read<CartDoc>(principal, cartDocId(customerId));
    for (const line of cartView(doc).lines) await this.#assertAvailable(f, line.sku, line.qty);
    return this.#change(principal, customerId, (d) => setFulfilment(d, f));
  }

  /**
   * Applies a change; a store that made it is linked to the customer before the answer. A refused change, or one that
   * changed nothing (the fulfilment the cart already has), links nothing.
   */
  async #change(
    principal: Caller,
    customerId: string,
    fn: (d: CartDoc) => void,
  ): Promise<CartView & { customerId: string }> {
    const { doc, changed } = await this.docs.update<CartDoc>(principal, cartDocId(customerId), fn);
    // A customer's own change links no store (a customer is no store).
    if (changed && principal.kind !== 'customer') await this.links.changed(principal, customerId);
    return { customerId, ...cartView(doc) };
  }

  /** A line went in (or up): told at the store that changed the cart, else at the cart's fulfilment store. */
  async #added(principal: Caller, cart: CartView & { customerId: string }, sku: string): Promise<void> {
    await this.adds?.({
      customerId: cart.customerId,
      sku,
      storeId: (principal.kind === 'customer' ? null : storeOf(principal)) ?? cart.fulfilment.storeId,
    });
  }

  async #customer(id: string): Promise<void> {
    if (!(await this.customers.get(id))) throw new NotFoundError('customer', id);
  }

  async #assertAvailable(f: Fulfilment, sku: string, qty: number): Promise<void> {
    if (f.type === 'SHIP') {
      if ((await this.availability.dcsCovering([{ sku, qty }])).length) return;
      throw new ConflictError(`${sku} is out of stock for shipping: no distribution centre has ${qty}`, {
        sku,
        wanted: qty,
        outOfStock: true,
      });
    }
    const here = await this.availability.atLocation(f.storeId!, sku);
    if (here >= qty) return;
    throw new ConflictError(
      `only ${here} of ${sku} available for ${f.type.toLowerCase()} at that store (wanted ${qty})`,
      { sku, wanted: qty, available: here, outOfStock: true },
    );
  }
}
