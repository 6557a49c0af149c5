import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  ConflictError,
  feedEntry,
  NotFoundError,
  parseOrThrow,
  uuidSchema,
  ValidationError,
} from '@storefleet/shared';
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
import { orderAnswer, orderListAnswer, orderWithTimelineAnswer } from './order-answers.js';
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

const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'COMPENSATING', 'FAILED', 'CANCELLED', 'PICKED_UP'] as const;
/** Head office's list of every order: by status, or the one order with a number. */
const orderListQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** An order number (`SF-10482`): the one order with it, or none. */
  q: orderNumberSchema.optional(),
});
const orderNumberParam = z.object({ number: orderNumberSchema });
const storeParam = z.object({ storeId: uuidSchema });
const storeOrdersQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** "I'm here": where the customer parked, as the store's pickup list shows it. */
const checkInBody = z.strictObject({ parkingSpot: z.string().trim().min(1).max(20) });

/** What the order routes answer, in words (an order's JSON is the stored order, cut for a store as store-view.ts says). */
const ORDER =
  'the order: number, status, customer, fulfilment, lines, totals and payment state (to a store, a DELIVERY order’s area only)';
const WITH_TIMELINE = `${ORDER}, with its \`timeline\` (the saga’s steps, check-in, cancellation; a store sees its own part)`;
const HIDDEN = 'no such order, or one the calling store does not own (exactly as a missing one)';
const OWNERS_ONLY =
  'Head office any order; a store (its token or its people) only the orders it owns (placed there, or fulfilled there).';

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
  r.post(
    '/orders',
    apiDoc({
      summary: 'Place an order from the customer’s cart (or from explicit lines)',
      description:
        'Holds stock at the fulfilment store (or a distribution centre for SHIP), authorises payment and confirms, as one saga. ' +
        'Placing again with the same `placeKey` answers the same order (200) instead of a second one (201). A store places ' +
        'orders fulfilled at itself or shipped; fulfilment at another store is refused as a hold there is. Without a payment ' +
        'provider configured the hub refuses every order (503) before anything is held.',
      body: placeBody,
      responses: {
        201: {
          description: `${ORDER}; its \`status\` says how the saga ended (CONFIRMED, or FAILED when stock or payment was refused)`,
          schema: orderAnswer,
        },
        200: { description: `${ORDER} (the one placed before with this placeKey)`, schema: orderAnswer },
        400: 'an empty cart, a fulfilment that names a store where none belongs (or none where one must), a repeated sku',
        403: 'a store placing an order fulfilled at another store',
        404: 'no such customer or product',
        409: 'the cart’s merged edits passed one of its bounds: the customer decides',
        422: 'a DELIVERY the delivery desk cannot promise (or a hub without a delivery module)',
      },
      access: ['staff'],
    }),
    async (req, res) => {
      const body = parseOrThrow(placeBody, req.body, 'order');
      const principal = principalOf(req);
      const { order, created } = await placeOrder(d, principal, body);
      res.status(created ? 201 : 200).json(orderFor(principal, order));
    },
  );
  r.get(
    '/orders',
    apiDoc({
      summary: 'List every order (head office), newest first, by status or by number',
      description:
        '`q` takes an order number as people type it (`SF-10482`, `sf10482`): the one order with it, or none.',
      query: orderListQuery,
      responses: { 200: { description: `\`{ items }\`: ${ORDER}`, schema: orderListAnswer } },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(orderListQuery, req.query, 'query');
      const repo = new OrderRepository(d.db);
      if (q.q) {
        const found = await repo.byNumber(q.q);
        return void res.json({ items: found && (!q.status || found.status === q.status) ? [found] : [] });
      }
      res.json({ items: await repo.list(q.status ?? null, q.limit) });
    },
  );
  // By the number people type; to a store that does not own it, missing exactly like a number that never was.
  r.get(
    '/orders/by-number/:number',
    apiDoc({
      summary: 'Read an order by the number people type (SF-10482)',
      description: `${OWNERS_ONLY} \`SF-10482\`, \`sf10482\` and \` SF 10482 \` name the same order.`,
      params: orderNumberParam,
      responses: { 200: { description: WITH_TIMELINE, schema: orderWithTimelineAnswer }, 404: HIDDEN },
      access: ['staff'],
    }),
    async (req, res) => {
      const { number } = parseOrThrow(orderNumberParam, req.params, 'order number');
      const repo = new OrderRepository(d.db);
      const order = visible(req, await repo.byNumber(number), number);
      const p = principalOf(req);
      res.json({ ...orderFor(p, order), timeline: timelineFor(p, order, await repo.events(order.id)) });
    },
  );
  r.get(
    '/orders/:id',
    apiDoc({
      summary: 'Read an order with its timeline',
      description: OWNERS_ONLY,
      params: idParam,
      responses: { 200: { description: WITH_TIMELINE, schema: orderWithTimelineAnswer }, 404: HIDDEN },
      access: ['staff'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'order id');
      const repo = new OrderRepository(d.db);
      const order = visible(req, await repo.get(id), id);
      const p = principalOf(req);
      res.json({ ...orderFor(p, order), timeline: timelineFor(p, order, await repo.events(id)) });
    },
  );
  r.get(
    '/customers/:id/orders',
    apiDoc({
      summary: 'List a customer’s orders (the latest 50)',
      description:
        'Head office every order of the customer; a store only those it owns (none, to a store that has none).',
      params: idParam,
      responses: { 200: { description: `\`{ items }\`: ${ORDER}`, schema: orderListAnswer } },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'customer id');
      const p = principalOf(req);
      const repo = new OrderRepository(d.db);
      if (isHeadOffice(p)) return void res.json({ items: await repo.byCustomer(id, 50) });
      const store = storeOf(p);
      res.json({ items: store ? (await repo.byCustomer(id, 50, store)).map((o) => orderFor(p, o)) : [] });
    },
  );
  // A store's orders (placed there, or fulfilled there): its manager's console list, its staff and its node.
  r.get(
    '/stores/:storeId/orders',
    apiDoc({
      summary: 'List a store’s orders (placed or fulfilled there), newest first',
      description: 'The store’s people, its node, and head office; another store gets 403.',
      params: storeParam,
      query: storeOrdersQuery,
      responses: { 200: { description: `\`{ items }\`: ${ORDER}`, schema: orderListAnswer } },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId } = parseOrThrow(storeParam, req.params, 'store id');
      assertStoreAccess(req, storeId);
      const q = parseOrThrow(storeOrdersQuery, req.query, 'query');
      const items = await new OrderRepository(d.db).listForStore(storeId, q.status ?? null, q.limit);
      res.json({ items: items.map((o) => orderFor(principalOf(req), o)) });
    },
  );
  r.post(
    '/orders/:id/cancel',
    apiDoc({
      summary: 'Cancel an order not yet handed over',
      description: `${OWNERS_ONLY} Its hold is released and its payment voided (or refunded once captured).`,
      params: idParam,
      responses: {
        200: { description: ORDER, schema: orderAnswer },
        404: HIDDEN,
        409: 'not a confirmed order (only confirmed orders can be cancelled)',
      },
      access: ['staff'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'order id');
      visible(req, await new OrderRepository(d.db).get(id), id);
      res.json(orderFor(principalOf(req), await d.cancellation().cancel(id)));
    },
  );
  r.post(
    '/orders/:id/check-in',
    apiDoc({
      summary: 'Check in for a curbside pickup: the customer is here, in this parking spot',
      description: `${OWNERS_ONLY} The store’s pickup list shows the arrival and the spot at once.`,
      params: idParam,
      body: checkInBody,
      responses: {
        200: { description: ORDER, schema: orderAnswer },
        400: 'not a confirmed curbside order',
        404: HIDDEN,
        409: 'the order has no hold at its store to check in against',
      },
      access: ['staff'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'order id');
      const { parkingSpot } = parseOrThrow(checkInBody, req.body, 'check-in');
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
    },
  );
  return r;
}
