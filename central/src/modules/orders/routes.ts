import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  AppError,
  cartDocId,
  cartView,
  ConflictError,
  deliveryRequestSchema,
  feedEntry,
  ForbiddenError,
  FULFILMENT_TYPES,
  NotFoundError,
  parseOrThrow,
  quantitySchema,
  skuSchema,
  uuidSchema,
  ValidationError,
  type CartDoc,
  type DeliveryRequest,
  type FulfilmentType,
} from '@storefleet/shared';
import {
  assertOwner,
  assertStoreAccess,
  isHeadOffice,
  ownsAny,
  principalOf,
  requireAuth,
  requireRole,
  storeOf,
} from '../../kernel/access.js';
import type { HubDocs } from '../../kernel/module-contract.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import type { Db } from '../../db/db.js';
import type { CustomerDirectory } from '../../kernel/ports/customers.js';
import type { DeliveryDesk } from '../../kernel/ports/delivery.js';
import type { HubPricer } from '../../kernel/ports/pricing.js';
import type { OrderSaga } from './order-saga.js';
import { priceOrder } from './pricing.js';
import { storesOf } from './order-owners.js';
import { orderFor, timelineFor } from './store-view.js';
import { OrderRepository } from './repository.js';
import type { Order, OrderCancellation, OrderLine } from './types.js';

const placeBody = z.strictObject({
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
const idParam = z.object({ id: uuidSchema });
/**
 * An order number as people type it: `SF-10482`, `sf10482`, ` SF 10482 ` all name the same order; answers the
 * stored form. Anything else is refused (400) before a query runs.
 */
const orderNumberSchema = z
  .string()
  .trim()
  .max(30)
  .transform((s, ctx) => {
    const m = /^SF[\s-]?(\d{1,15})$/i.exec(s);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'an order number looks like SF-10482' });
      return z.NEVER;
    }
    return `SF-${m[1]}`;
  });

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

export interface OrderRouteDeps {
  readonly saga: OrderSaga;
  readonly db: Db;
  readonly docs: HubDocs;
  readonly feed: FeedWriter;
  readonly catalog: () => {
    many(
      skus: readonly string[],
    ): Promise<Map<string, { name: string; priceMinor: number; taxClass: string; currency: string }>>;
  };
  /** A customer with a loyalty card is a member (member prices). */
  readonly customers: () => Pick<CustomerDirectory, 'get'>;
  /** The pricing module's pricer (issue #25); undefined in a hub without one: then catalog prices, no coupons. */
  readonly pricing?: () => HubPricer | undefined;
  /** Cancellation crosses modules (the hold is released first): the hub's workflows do it. */
  readonly cancellation: () => OrderCancellation;
  /** The delivery module's desk, asked for a DELIVERY order's promise before anything is held; undefined without one. */
  readonly delivery: () => DeliveryDesk | undefined;
  readonly now: () => number;
}

/**
 * Placing orders (from the cart or explicit lines), status and timeline, curbside check-in, cancellation.
 *
 * Who may do what: head office (ADMIN) everything. A store (its token or a user of the store) places orders fulfilled
 * at itself or shipped (fulfilment at another store is refused, as a hold there is), and reads, cancels and checks in
 * only the orders it owns (`storesOf`): another store's order answers exactly as a missing one. Listing every order is
 * head office's; a customer's orders, to a store, are those it owns.
 */
export function orderRoutes(d: OrderRouteDeps): Router {
  const r = Router();
  r.use('/orders', requireAuth);
  /** The order, if the caller may see it; to another store it is missing, exactly like an id that never was. */
  const visible = (req: Request, o: Order | undefined, id: string): Order => {
    if (!o) throw new NotFoundError('order', id);
    assertOwner(req, storesOf(o), { entity: 'order', id });
    return o;
  };
  r.post('/orders', async (req, res) => {
    const body = parseOrThrow(placeBody, req.body, 'order');
    const principal = principalOf(req);
    const customer = await d.customers().get(body.customerId);
    if (!customer) throw new NotFoundError('customer', body.customerId);
    // Placed before with this key: answered only to the same customer, through a caller that may see that order.
    const samePlace = (placed: Order) => {
      if (placed.customerId !== body.customerId || !ownsAny(principal, storesOf(placed)))
        throw new ValidationError('that placeKey belongs to another order');
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
      const placed = await new OrderRepository(d.db).byPlaceKey(body.placeKey);
      if (placed) {
        samePlace(placed);
        return void res.status(200).json(orderFor(principal, await d.saga.settled(placed.id)));
      }
      const cart = cartView(await d.docs.read<CartDoc>(principalOf(req), cartDocId(body.customerId)));
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
      throw new ValidationError(
        `${fulfilment.type} takes no fulfilment.delivery: only a DELIVERY order has an address`,
        [{ path: 'fulfilment.delivery', message: `not for ${fulfilment.type}` }],
      );
    if (new Set(lines.map((l) => l.sku)).size !== lines.length) throw new ValidationError('each sku may appear once');
    // A store fulfils its own orders only: a pickup elsewhere would take a hold at a store it may not reserve at.
    if (fulfilment.type !== 'SHIP' && !ownsAny(principal, [fulfilment.storeId])) {
      throw new ForbiddenError(
        `a store places orders fulfilled at itself or shipped: no access to store ${fulfilment.storeId}`,
      );
    }
    if (fulfilment.type === 'DELIVERY') {
      // Placed before with this key: the same order, even if the promise could not be kept now.
      const placed = await new OrderRepository(d.db).byPlaceKey(body.placeKey);
      if (placed) {
        samePlace(placed);
        return void res.status(200).json(orderFor(principal, await d.saga.settled(placed.id)));
      }
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
      const placed = await new OrderRepository(d.db).byPlaceKey(body.placeKey);
      if (placed) {
        samePlace(placed);
        return void res.status(200).json(orderFor(principal, await d.saga.settled(placed.id)));
      }
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
    const placedStoreId = storeOf(principal);
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
    res.status(created ? 201 : 200).json(orderFor(principal, order));
  });
  r.get('/orders', requireRole('ADMIN'), async (req, res) => {
    const q = parseOrThrow(
      z.object({
        status: z.enum(['PENDING', 'CONFIRMED', 'COMPENSATING', 'FAILED', 'CANCELLED', 'PICKED_UP']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        /** An order number (`SF-10482`): the one order with it, or none. */
        q: orderNumberSchema.optional(),
      }),
      req.query,
      'query',
    );
    const repo = new OrderRepository(d.db);
    if (q.q) {
      const found = await repo.byNumber(q.q);
      return void res.json({ items: found && (!q.status || found.status === q.status) ? [found] : [] });
    }
    res.json({ items: await repo.list(q.status ?? null, q.limit) });
  });
  // By the number people type; to a store that does not own it, missing exactly like a number that never was.
  r.get('/orders/by-number/:number', async (req, res) => {
    const { number } = parseOrThrow(z.object({ number: orderNumberSchema }), req.params, 'order number');
    const repo = new OrderRepository(d.db);
    const order = visible(req, await repo.byNumber(number), number);
    const p = principalOf(req);
    res.json({ ...orderFor(p, order), timeline: timelineFor(p, order, await repo.events(order.id)) });
  });
  r.get('/orders/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'order id');
    const repo = new OrderRepository(d.db);
    const order = visible(req, await repo.get(id), id);
    const p = principalOf(req);
    res.json({ ...orderFor(p, order), timeline: timelineFor(p, order, await repo.events(id)) });
  });
  r.get('/customers/:id/orders', requireAuth, async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'customer id');
    const p = principalOf(req);
    const repo = new OrderRepository(d.db);
    if (isHeadOffice(p)) return void res.json({ items: await repo.byCustomer(id, 50) });
    const store = storeOf(p);
    res.json({ items: store ? (await repo.byCustomer(id, 50, store)).map((o) => orderFor(p, o)) : [] });
  });
  // A store's orders (placed there, or fulfilled there): its manager's console list, its staff and its node.
  r.get('/stores/:storeId/orders', async (req, res) => {
    const { storeId } = parseOrThrow(z.object({ storeId: uuidSchema }), req.params, 'store id');
    assertStoreAccess(req, storeId);
    const q = parseOrThrow(
      z.object({
        status: z.enum(['PENDING', 'CONFIRMED', 'COMPENSATING', 'FAILED', 'CANCELLED', 'PICKED_UP']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      req.query,
      'query',
    );
    const items = await new OrderRepository(d.db).listForStore(storeId, q.status ?? null, q.limit);
    res.json({ items: items.map((o) => orderFor(principalOf(req), o)) });
  });
  r.post('/orders/:id/cancel', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'order id');
    visible(req, await new OrderRepository(d.db).get(id), id);
    res.json(orderFor(principalOf(req), await d.cancellation().cancel(id)));
  });
  r.post('/orders/:id/check-in', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'order id');
    const { parkingSpot } = parseOrThrow(
      z.strictObject({ parkingSpot: z.string().trim().min(1).max(20) }),
      req.body,
      'check-in',
    );
    const order = await d.db.transaction(async (tx) => {
      const repo = new OrderRepository(tx);
      const o = visible(req, await repo.get(id), id);
      if (o.fulfilment.type !== 'CURBSIDE' || o.status !== 'CONFIRMED')
        throw new ValidationError(`order ${id} is not a confirmed curbside order`);
      const reservationId = o.reservationId;
      if (!reservationId) throw new ConflictError(`order ${id} has no hold at its store to check in against`);
      const at = d.now();
      const updated = await repo.update(id, { fulfilment: { ...o.fulfilment, parkingSpot, checkedInAt: at } }, at);
      await repo.addEvent(id, 'CHECKED_IN', { parkingSpot }, at);
      // "I'm here": the store's pickup list shows the arrival and the spot at once.
      await d.feed.append(tx, o.fulfilment.storeId!, [
        feedEntry('order.checked-in', { orderId: id, orderNumber: o.orderNumber, reservationId, parkingSpot, at }),
      ]);
      return updated;
    });
    res.json(order);
  });
  return r;
}
