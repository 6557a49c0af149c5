import { Router, type Request } from 'express';
import { z } from 'zod';
import { ConflictError, feedEntry, NotFoundError, parseOrThrow, uuidSchema, ValidationError } from '@storefleet/shared';
import {
  assertOwner,
  assertStoreAccess,
  isHeadOffice,
  principalOf,
  requireAuth,
  requireRole,
  storeOf,
} from '../../kernel/access.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import type { Db } from '../../db/db.js';
import { placeBody, placeOrder, type OrderPlacementDeps } from './place-order.js';
import { storesOf } from './order-owners.js';
import { orderFor, timelineFor } from './store-view.js';
import { OrderRepository } from './repository.js';
import type { Order, OrderCancellation } from './types.js';

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

export interface OrderRouteDeps extends OrderPlacementDeps {
  readonly db: Db;
  readonly feed: FeedWriter;
  /** Cancellation crosses modules (the hold is released first): the hub's workflows do it. */
  readonly cancellation: () => OrderCancellation;
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
    const { order, created } = await placeOrder(d, principal, body);
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
