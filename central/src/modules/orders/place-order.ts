import { z } from 'zod';
import {
  AppError,
  cartDocId,
  cartView,
  ConflictError,
  deliveryRequestSchema,
  ForbiddenError,
  FULFILMENT_TYPES,
  NotFoundError,
  quantitySchema,
  skuSchema,
  uuidSchema,
  ValidationError,
  type CartDoc,
  type DeliveryRequest,
  type FulfilmentType,
} from '@storefleet/shared';
import { ownsAny, storeOf } from '../../kernel/access.js';
import type { HubDocs } from '../../kernel/module-contract.js';
import type { Db } from '../../db/db.js';
import type { Caller } from '../../kernel/principal.js';
import type { CustomerDirectory } from '../../kernel/ports/customers.js';
import type { DeliveryDesk } from '../../kernel/ports/delivery.js';
import type { HubPricer } from '../../kernel/ports/pricing.js';
import type { OrderSaga } from './order-saga.js';
import { priceOrder } from './pricing.js';
import { storesOf } from './order-owners.js';
import { OrderRepository } from './repository.js';
import type { Order, OrderLine } from './types.js';

/** What `POST /api/orders` takes (and GraphQL's `placeOrder` builds): the one schema both validate with. */
export const placeBody = z.strictObject({
  customerId: uuidSchema,
  /** The client's key for this checkout: placing again with it returns the same order. */
  placeKey: z.string().trim().min(8).max(100),
  /** Defaults to the customer's cart, with its fulfilment. */
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: quantitySchema }))
    .min(1)
    .max(50)
    .optional(),
  fulfilment: z
    .strictObject({
      type: z.enum(FULFILMENT_TYPES),
      storeId: uuidSchema.nullable().default(null),
      /** DELIVERY only, and required for it: speed, address with coordinates, phone (a cart holds none of them). */
      delivery: deliveryRequestSchema.optional(),
    })
    .optional(),
  /** Coupon codes to apply (issue #25): each must apply, and is redeemed with the order (a used one: 409). */
  coupons: z.array(z.string().trim().min(1).max(200)).max(5).optional(),
});
export type PlaceOrderInput = z.output<typeof placeBody>;

/** What placing needs from the hub: the saga, the cart, the catalog, customers, pricing and the delivery desk. */
export interface OrderPlacementDeps {
  readonly saga: OrderSaga;
  readonly db: Db;
  readonly docs: HubDocs;
  readonly catalog: () => {
    many(
      skus: readonly string[],
    ): Promise<Map<string, { name: string; priceMinor: number; taxClass: string; currency: string }>>;
  };
  /** A customer with a loyalty card is a member (member prices). */
  readonly customers: () => Pick<CustomerDirectory, 'get'>;
  /** The pricing module's pricer (issue #25); undefined in a hub without one: then catalog prices, no coupons. */
  readonly pricing?: () => HubPricer | undefined;
  /** The delivery module's desk, asked for a DELIVERY order's promise before anything is held; undefined without one. */
  readonly delivery: () => DeliveryDesk | undefined;
}

/** The order placed (or placed before with the same key: `created` false). */
export interface Placed {
  readonly order: Order;
  readonly created: boolean;
}

/**
 * A DELIVERY order's promise, asked before anything is created or held: refused (422, the desk's sentence) when no
 * carrier can keep it. A hub without a delivery module refuses every DELIVERY order rather than take a payment for a
 * delivery nobody would make (such orders used to be confirmed as a bare request and go no further).
 */
async function promiseOrRefuse(
  desk: DeliveryDesk | undefined,
  order: Parameters<DeliveryDesk['promise']>[0],
): Promise<void> {
  if (!desk)
    throw new AppError(
      'unprocessable',
      'this hub does not deliver (it runs without a delivery module): choose pickup, curbside or shipping',
    );
  const promise = await desk.promise(order);
  if (!promise.ok) throw new AppError('unprocessable', promise.reason, { fulfilment: 'DELIVERY' });
}

/** Whether `caller` may see `order` (and so be answered it again for its placeKey). */
function mayRead(caller: Caller, order: Order): boolean {
  if (caller.kind === 'customer') return caller.customerId === order.customerId;
  return ownsAny(caller, storesOf(order));
}

/**
 * Places an order from the customer's cart or from explicit lines, for REST (`POST /api/orders`) and GraphQL
 * (`placeOrder`) alike, so both refuse and price exactly the same. Idempotent by `placeKey`: placing again with it
 * answers the order placed first, but only to the same customer through a caller that may see that order.
 *
 * Who may: a store (its token or a user of the store) places orders fulfilled at itself or shipped (fulfilment at
 * another store is refused, as a hold there is); head office any. A signed-in customer places only their own
 * (`customerId` theirs, else the customer is missing to them) and chooses any store to fulfil it: the order is then
 * placed by nobody's lane (`placedStoreId` null).
 */
export async function placeOrder(d: OrderPlacementDeps, caller: Caller, body: PlaceOrderInput): Promise<Placed> {
  // A customer orders for themselves only; another customer's id answers exactly as one that never was.
  if (caller.kind === 'customer' && caller.customerId !== body.customerId)
    throw new NotFoundError('customer', body.customerId);
  const customer = await d.customers().get(body.customerId);
  if (!customer) throw new NotFoundError('customer', body.customerId);
  // Placed before with this key: answered only to the same customer, through a caller that may see that order.
  const samePlace = (placed: Order) => {
    if (placed.customerId !== body.customerId || !mayRead(caller, placed))
      throw new ValidationError('that placeKey belongs to another order');
  };
  const placedBefore = async (): Promise<Placed | undefined> => {
    const placed = await new OrderRepository(d.db).byPlaceKey(body.placeKey);
    if (!placed) return undefined;
    samePlace(placed);
    return { order: await d.saga.settled(placed.id), created: false };
  };
  let lines: OrderLine[];
  let fulfilment: { type: FulfilmentType; storeId: string | null; delivery?: DeliveryRequest } | undefined =
    body.fulfilment;
  let currency = 'USD';
  if (body.lines) {
    // Placed before with this key: `place` finds it and returns it instead of a second order.
    const products = await d.catalog().many(body.lines.map((l) => l.sku));
    lines = body.lines.map((l) => {
      const p = products.get(l.sku);
      if (!p) throw new NotFoundError('product', l.sku);
      currency = p.currency;
      return { sku: l.sku, name: p.name, qty: l.qty, unitPriceMinor: p.priceMinor, taxClass: p.taxClass };
    });
  } else {
    // Placed before with this key: the same order (the cart it came from has been emptied since, so look first).
    const before = await placedBefore();
    if (before) return before;
    const cart = cartView(await d.docs.read<CartDoc>(caller, cartDocId(body.customerId)));
    if (!cart.lines.length) throw new ValidationError('the cart is empty: add something before checking out');
    if (cart.overBounds) throw new ConflictError(cart.overBounds); // merged edits passed a bound: the customer decides
    // The cart gives sku and qty; name, price and tax class come from the catalog now, as for explicit lines (the
    // cart's snapshot is for display, and any store may write a cart, so it cannot price an order).
    const products = await d.catalog().many(cart.lines.map((l) => l.sku));
    lines = cart.lines.map((l) => {
      const p = products.get(l.sku);
      if (!p) throw new NotFoundError('product', l.sku);
      currency = p.currency;
      return { sku: l.sku, name: p.name, qty: l.qty, unitPriceMinor: p.priceMinor, taxClass: p.taxClass };
    });
    fulfilment ??= cart.fulfilment;
  }
  fulfilment ??= { type: 'SHIP', storeId: null };
  if (fulfilment.type !== 'SHIP' && !fulfilment.storeId)
    throw new ValidationError(`${fulfilment.type} needs a storeId`);
  if (fulfilment.type === 'SHIP' && fulfilment.storeId)
    throw new ValidationError('SHIP is from a distribution centre: leave storeId out');
  if (fulfilment.type === 'DELIVERY' && !fulfilment.delivery)
    throw new ValidationError(
      body.fulfilment
        ? 'a DELIVERY order needs fulfilment.delivery: its speed and the address (with coordinates)'
        : 'the cart is for delivery: send fulfilment with its delivery (speed and address) to check out',
      [{ path: 'fulfilment.delivery', message: 'required for DELIVERY' }],
    );
  if (fulfilment.type !== 'DELIVERY' && fulfilment.delivery)
    throw new ValidationError(`${fulfilment.type} takes no fulfilment.delivery: only a DELIVERY order has an address`, [
      { path: 'fulfilment.delivery', message: `not for ${fulfilment.type}` },
    ]);
  if (new Set(lines.map((l) => l.sku)).size !== lines.length) throw new ValidationError('each sku may appear once');
  // A store fulfils its own orders only: a pickup elsewhere would take a hold at a store it may not reserve at.
  if (fulfilment.type !== 'SHIP' && caller.kind !== 'customer' && !ownsAny(caller, [fulfilment.storeId])) {
    throw new ForbiddenError(
      `a store places orders fulfilled at itself or shipped: no access to store ${fulfilment.storeId}`,
    );
  }
  if (fulfilment.type === 'DELIVERY') {
    // Placed before with this key: the same order, even if the promise could not be kept now.
    const before = await placedBefore();
    if (before) return before;
    await promiseOrRefuse(d.delivery(), {
      storeId: fulfilment.storeId!,
      customerName: customer.name,
      request: fulfilment.delivery!,
      lines: lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
  }
  // Priced as the stores price (issue #25): the fulfilment store's books and promotions (none online), member prices
  // for a customer with a loyalty card, the coupons given; without a pricing module, the catalog's prices.
  if (body.coupons?.length) {
    // Placed before with this key: the same order (its coupons are this order's now, so pricing again would refuse them).
    const before = await placedBefore();
    if (before) return before;
  }
  const pricing = await priceOrder(d.pricing?.(), {
    lines,
    storeId: fulfilment.type === 'SHIP' ? null : fulfilment.storeId,
    member: !!customer.loyaltyCard,
    coupons: body.coupons ?? [],
  });
  if (pricing) lines = pricing.lines;
  // Its stores are linked to the customer once the order is confirmed (the saga's onConfirmed), not before: a refused
  // or failed order links nobody.
  const placedStoreId = caller.kind === 'customer' ? null : storeOf(caller);
  const { order, created } = await d.saga.place({
    customerId: body.customerId,
    customerName: customer.name,
    placeKey: body.placeKey,
    placedStoreId,
    lines,
    fulfilment,
    fromCart: !body.lines,
    currency: pricing?.priced.currency ?? currency,
    ...(pricing ? { priced: pricing.priced, inInsert: pricing.inInsert } : {}),
  });
  if (!created) samePlace(order);
  return { order, created };
}
