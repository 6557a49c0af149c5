import { Router } from 'express';
import { z } from 'zod';
import { cartDocId, cartView, FULFILMENT_TYPES, NotFoundError, parseOrThrow, quantitySchema, skuSchema, uuidSchema, ValidationError, type CartDoc } from '@storefleet/shared';
import { principalOf, requireAuth, requireRole } from '../../http/access.js';
import type { HubDocs } from '../../sync/docs/hub-docs.js';
import type { FeedWriter } from '../../sync/feed-writer.js';
import type { Db } from '../../db/db.js';
import type { OrderSaga } from './order-saga.js';
import { OrderRepository } from './repository.js';
import type { Order, OrderLine } from './types.js';

const placeBody = z.strictObject({
  customerId: uuidSchema,
  /** The client's key for this checkout: placing again with it returns the same order. */
  placeKey: z.string().trim().min(8).max(100),
  /** Defaults to the customer's cart, with its fulfilment. */
  lines: z.array(z.strictObject({ sku: skuSchema, qty: quantitySchema })).min(1).max(50).optional(),
  fulfilment: z.strictObject({ type: z.enum(FULFILMENT_TYPES), storeId: uuidSchema.nullable().default(null) }).optional(),
});
const idParam = z.object({ id: uuidSchema });

export interface OrderRouteDeps {
  readonly saga: OrderSaga;
  readonly db: Db;
  readonly docs: HubDocs;
  readonly feed: FeedWriter;
  readonly catalog: () => { many(skus: readonly string[]): Promise<Map<string, { name: string; priceMinor: number; taxClass: string; currency: string }>> };
  readonly customers: () => { get(id: string): Promise<{ name: string } | undefined> };
  readonly now: () => number;
}

/** Placing orders (from the cart or explicit lines), status and timeline, curbside check-in, cancellation. */
export function orderRoutes(d: OrderRouteDeps): Router {
  const r = Router();
  r.use('/orders', requireAuth);
  r.post('/orders', async (req, res) => {
    const body = parseOrThrow(placeBody, req.body, 'order');
    const customer = await d.customers().get(body.customerId);
    if (!customer) throw new NotFoundError('customer', body.customerId);
    const samePlace = (placed: Order) => {
      if (placed.customerId !== body.customerId) throw new ValidationError("that placeKey belongs to another customer's order");
    };
    let lines: OrderLine[];
    let fulfilment = body.fulfilment;
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
        return void res.status(200).json(await d.saga.settled(placed.id));
      }
      const cart = cartView(await d.docs.read<CartDoc>(principalOf(req), cartDocId(body.customerId)));
      if (!cart.lines.length) throw new ValidationError('the cart is empty: add something before checking out');
      lines = cart.lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, unitPriceMinor: l.unitPriceMinor, taxClass: l.taxClass }));
      currency = cart.lines[0]!.currency;
      fulfilment ??= cart.fulfilment;
    }
    fulfilment ??= { type: 'SHIP', storeId: null };
    if (fulfilment.type !== 'SHIP' && !fulfilment.storeId) throw new ValidationError(`${fulfilment.type} needs a storeId`);
    if (new Set(lines.map((l) => l.sku)).size !== lines.length) throw new ValidationError('each sku may appear once');
    const { order, created } = await d.saga.place({ customerId: body.customerId, customerName: customer.name, placeKey: body.placeKey, lines, fulfilment, fromCart: !body.lines, currency });
    if (!created) samePlace(order);
    res.status(created ? 201 : 200).json(order);
  });
  r.get('/orders', requireRole('ADMIN'), async (req, res) => {
    const q = parseOrThrow(z.object({ status: z.enum(['PENDING', 'CONFIRMED', 'COMPENSATING', 'FAILED', 'CANCELLED']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }), req.query, 'query');
    res.json({ items: await new OrderRepository(d.db).list(q.status ?? null, q.limit) });
  });
  r.get('/orders/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'order id');
    const repo = new OrderRepository(d.db);
    const order = await repo.get(id);
    if (!order) throw new NotFoundError('order', id);
    res.json({ ...order, timeline: await repo.events(id) });
  });
  r.get('/customers/:id/orders', requireAuth, async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'customer id');
    res.json({ items: await new OrderRepository(d.db).byCustomer(id, 50) });
  });
  r.post('/orders/:id/cancel', async (req, res) => {
    res.json(await d.saga.cancel(parseOrThrow(idParam, req.params, 'order id').id));
  });
  r.post('/orders/:id/check-in', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'order id');
    const { parkingSpot } = parseOrThrow(z.strictObject({ parkingSpot: z.string().trim().min(1).max(20) }), req.body, 'check-in');
    const order = await d.db.transaction(async (tx) => {
      const repo = new OrderRepository(tx);
      const o = await repo.get(id);
      if (!o) throw new NotFoundError('order', id);
      if (o.fulfilment.type !== 'CURBSIDE' || o.status !== 'CONFIRMED') throw new ValidationError(`order ${id} is not a confirmed curbside order`);
      const at = d.now();
      const updated = await repo.update(id, { fulfilment: { ...o.fulfilment, parkingSpot, checkedInAt: at } }, at);
      await repo.addEvent(id, 'CHECKED_IN', { parkingSpot }, at);
      // "I'm here": the store's pickup list shows the arrival and the spot at once.
      await d.feed.append(tx, o.fulfilment.storeId!, [{ type: 'order.checked-in', payload: { orderId: id, reservationId: o.reservationId, parkingSpot, at } }]);
      return updated;
    });
    res.json(order);
  });
  return r;
}
