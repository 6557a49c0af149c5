import { z } from 'zod';
import type { Logger } from 'pino';
import { NotFoundError, parseOrThrow, uuidSchema, ValidationError } from '@storefleet/shared';
import { isHeadOffice, ownsAny, storeOf } from '../../kernel/access.js';
import type { Db } from '../../db/db.js';
import { callerOf } from '../../kernel/graphql/caller.js';
import { latestOf } from '../../kernel/graphql/subscriptions.js';
import type { GraphqlContext, GraphqlContribution } from '../../kernel/graphql/types.js';
import type { Caller } from '../../kernel/principal.js';
import type { PickupCodeLookup } from '../../kernel/ports/reservations.js';
import { NoPaymentProvider, NoPaymentProviderError } from './external-parties.js';
import { storesOf } from './order-owners.js';
import { placeBody, placeOrder, type OrderPlacementDeps } from './place-order.js';
import { OrderRepository } from './repository.js';
import { orderFor, timelineFor } from './store-view.js';
import type { Order, OrderCancellation, OrderEvent } from './types.js';

const typeDefs = /* GraphQL */ `
  "An order, as its customer (or a store that owns it, or head office) sees it."
  type Order {
    id: ID!
    "What people read out and type: SF-10482."
    number: String!
    "PENDING, CONFIRMED, COMPENSATING, FAILED, CANCELLED or PICKED_UP."
    status: String!
    customerId: ID!
    fulfilment: Fulfilment!
    lines: [OrderLine!]!
    totalMinor: Int!
    currency: String!
    placedAt: String!
    "What happened to it, oldest first (the saga's steps, check-in, cancellation)."
    timeline: [OrderEvent!]!
    """
    The signed code (the QR) the customer shows at the store's pickup desk, as GET /api/reservations/{id} answers it:
    to the order's customer and to staff of the store holding the goods (or head office); null for an order with no
    open hold (shipped, delivered, picked up, cancelled).
    """
    pickupCode: String
  }
  type OrderLine { sku: ID!  name: String!  qty: Int!  unitPriceMinor: Int! }
  type OrderEvent { at: String!  status: String!  note: String }
  type OrderPage { items: [Order!]!  next: String }
  extend type Query {
    "A customer's own order; anyone else's (or another store's) is NOT_FOUND, exactly like an id that never was."
    order(id: ID!): Order
    "A customer: their own orders (customerId left out or theirs). Staff: a customer's orders, as REST lists them."
    orders(customerId: ID, first: Int = 20, after: String): OrderPage!
  }
  extend type Mutation {
    "From the cart, as POST /api/orders does; placing again with the same placeKey answers the same order."
    placeOrder(placeKey: String!, customerId: ID, coupons: [String!]): Order!
    "Cancels an order not yet handed over (its hold released, its payment voided)."
    cancelOrder(id: ID!): Order!
  }
  extend type Subscription {
    "The order as it is, then each time its status changes."
    orderStatus(id: ID!): Order!
  }
`;

/** Orders one page may hold, and how far `orders` pages (an offset cursor: a customer has tens of orders, not more). */
const MAX_FIRST = 50;
const MAX_LISTED = 500;
/** How often the hub looks for status changes of the orders someone subscribed to (any replica may change them). */
const STATUS_POLL_MS = 1_000;

const idArgs = z.object({ id: uuidSchema });
const pageArgs = z.object({
  customerId: uuidSchema.nullish(),
  first: z.number().int().min(1).max(MAX_FIRST).default(20),
  after: z
    .string()
    .regex(/^\d{1,4}$/, 'a cursor from a previous page')
    .nullish(),
});

export interface OrdersGraphqlDeps extends OrderPlacementDeps {
  readonly db: Db;
  readonly cancellation: () => OrderCancellation;
  /** The reservations module's pickup codes (`Order.pickupCode`); absent in a hub without it (then null). */
  readonly pickupCodes?: () => PickupCodeLookup | undefined;
}

/** Whether `caller` may see `order`: its customer, a store that owns it, head office. */
function mayRead(caller: Caller, order: Order): boolean {
  if (caller.kind === 'customer') return caller.customerId === order.customerId;
  return ownsAny(caller, storesOf(order));
}

/** Reads an order's timeline: through the request's loader (one read for a whole list), or straight for a push. */
type TimelineOf = (orderId: string) => Promise<OrderEvent[]>;

/** GraphQL's `Order` from the stored order, cut as REST cuts it for a store (a DELIVERY order's area only). */
function orderObject(caller: Caller, o: Order, events: TimelineOf, pickupCodes?: () => PickupCodeLookup | undefined) {
  const shown = caller.kind === 'customer' ? o : orderFor(caller, o);
  return {
    id: o.id,
    number: o.orderNumber,
    status: o.status,
    customerId: o.customerId,
    fulfilment: { type: o.fulfilment.type, storeId: o.fulfilment.storeId },
    lines: shown.lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, unitPriceMinor: l.unitPriceMinor })),
    totalMinor: o.totalMinor,
    currency: o.currency,
    placedAt: new Date(o.createdAt).toISOString(),
    timeline: async () => {
      const all = await events(o.id);
      const seen = caller.kind === 'customer' ? all : timelineFor(caller, o, all);
      return seen.map((e) => ({ at: new Date(e.at).toISOString(), status: e.kind, note: noteOf(e.detail) }));
    },
    pickupCode: async () => {
      const lookup = o.reservationId ? pickupCodes?.() : undefined;
      const code = lookup && o.reservationId ? await lookup.pickupCodeOf(o.reservationId) : undefined;
      if (!code) return null;
      // the order's customer; staff as REST shows the hold: the store holding the goods, or head office
      const allowed = caller.kind === 'customer' ? caller.customerId === o.customerId : ownsAny(caller, [code.storeId]);
      return allowed ? code.code : null;
    },
  };
}

/** An event's one line for a person: a reason or a parking spot, never the detail's addresses or names. */
function noteOf(detail: unknown): string | null {
  if (!detail || typeof detail !== 'object') return null;
  const d = detail as Record<string, unknown>;
  for (const k of ['reason', 'failure', 'parkingSpot'] as const) if (typeof d[k] === 'string') return d[k] as string;
  return null;
}

/**
 * The orders module's part of `/graphql` (issue #26), by REST's rules: a signed-in customer reads, places and cancels
 * only their own orders (anyone else's is NOT_FOUND, as a missing id); staff per the REST routes (a store only orders
 * it owns, head office all). Placing is `placeOrder` (place-order.ts), the very code `POST /api/orders` runs.
 */
export function ordersGraphql(d: OrdersGraphqlDeps): GraphqlContribution {
  const repo = () => new OrderRepository(d.db);
  const visible = async (caller: Caller, id: string): Promise<Order> => {
    const o = await repo().get(id);
    if (!o || !mayRead(caller, o)) throw new NotFoundError('order', id);
    return o;
  };
  /**
   * Timelines for this request, read together: `orders(first: 50) { items { timeline } }` is one statement. Only for
   * queries and mutations; a subscription's context lives as long as the socket, so a loader there would answer the
   * first timeline for ever: its pushes read their one order's timeline afresh.
   */
  const timelines = (ctx: GraphqlContext): TimelineOf => {
    const loader = ctx.loader<string, OrderEvent[]>('orders.events', async (ids) => {
      const byOrder = await repo().eventsOf(ids);
      return ids.map((id) => byOrder.get(id) ?? []);
    });
    return (id) => loader.load(id);
  };
  const fresh: TimelineOf = (id) => repo().events(id);
  const shown = (caller: Caller, o: Order, events: TimelineOf) => orderObject(caller, o, events, d.pickupCodes);
  const watch = statusWatch(d.db, d.saga.deps.log);
  return {
    typeDefs,
    resolvers: {
      Query: {
        order: async (_: unknown, a: unknown, ctx: GraphqlContext) => {
          const caller = callerOf(ctx);
          const { id } = parseOrThrow(idArgs, a, 'order id');
          return shown(caller, await visible(caller, id), timelines(ctx));
        },
        orders: async (_: unknown, a: unknown, ctx: GraphqlContext) => {
          const caller = callerOf(ctx);
          const q = parseOrThrow(pageArgs, a, 'orders');
          const offset = q.after ? Number(q.after) : 0;
          let customerId: string;
          if (caller.kind === 'customer') {
            customerId = q.customerId ?? caller.customerId;
            if (customerId !== caller.customerId) throw new NotFoundError('customer', customerId);
          } else if (q.customerId) customerId = q.customerId;
          else
            throw new ValidationError('customerId is required: whose orders?', [
              { path: 'customerId', message: 'required' },
            ]);
          const want = Math.min(offset + q.first + 1, MAX_LISTED);
          // As GET /api/customers/{id}/orders: head office every order, a store those it owns, a customer their own.
          const store = caller.kind === 'customer' || isHeadOffice(caller) ? null : storeOf(caller);
          if (caller.kind !== 'customer' && !isHeadOffice(caller) && !store) return { items: [], next: null };
          const found = await repo().byCustomer(customerId, want, store);
          const page = found.slice(offset, offset + q.first);
          const next =
            found.length > offset + q.first && offset + q.first < MAX_LISTED ? String(offset + q.first) : null;
          const events = timelines(ctx);
          return { items: page.map((o) => shown(caller, o, events)), next };
        },
      },
      Mutation: {
        placeOrder: async (
          _: unknown,
          a: { placeKey: string; customerId?: string | null; coupons?: string[] | null },
          ctx: GraphqlContext,
        ) => {
          const caller = callerOf(ctx);
          // No payment provider (a production hub nobody configured): refused before anything is held, as REST does.
          if (d.saga.deps.payments instanceof NoPaymentProvider) throw new NoPaymentProviderError();
          const customerId = a.customerId ?? (caller.kind === 'customer' ? caller.customerId : undefined);
          const body = parseOrThrow(
            placeBody,
            { customerId, placeKey: a.placeKey, ...(a.coupons ? { coupons: a.coupons } : {}) },
            'order',
          );
          const { order } = await placeOrder(d, caller, body);
          return shown(caller, order, fresh);
        },
        cancelOrder: async (_: unknown, a: unknown, ctx: GraphqlContext) => {
          const caller = callerOf(ctx);
          const { id } = parseOrThrow(idArgs, a, 'order id');
          await visible(caller, id);
          return shown(caller, await d.cancellation().cancel(id), fresh);
        },
      },
      Subscription: {
        orderStatus: {
          // Authorized once, as `order` is; then the order at each status change (polled: any replica may change it).
          subscribe: async (_: unknown, a: unknown, ctx: GraphqlContext) => {
            const caller = callerOf(ctx);
            const { id } = parseOrThrow(idArgs, a, 'order id');
            const first = await visible(caller, id);
            return latestOf<ReturnType<typeof shown>>((push) => {
              push(shown(caller, first, fresh));
              return watch(id, first.status, (o) => push(shown(caller, o, fresh)));
            }, 4);
          },
          resolve: (order: unknown) => order,
        },
      },
    },
  };
}

/**
 * Status changes of the orders someone subscribed to, looked up together every `STATUS_POLL_MS` while any is
 * watched (nothing runs while none is): one `id = ANY(…)` read per round however many orders are watched. An order
 * changes status in its saga, a store's hand-over, a cancellation — on any replica — and no one bus carries all of them.
 */
function statusWatch(db: Db, log: Logger) {
  const watchers = new Map<string, Set<{ status: string; tell: (o: Order) => void }>>();
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const found = await new OrderRepository(db).getMany([...watchers.keys()]);
      for (const o of found)
        for (const w of watchers.get(o.id) ?? [])
          if (w.status !== o.status) {
            w.status = o.status;
            w.tell(o);
          }
    } catch (err) {
      // subscribers hear nothing this round; the next round (STATUS_POLL_MS on) looks again
      log.warn({ err, watched: watchers.size }, 'the watched orders could not be read for their status; trying again');
    } finally {
      busy = false;
    }
  };
  return (id: string, status: string, tell: (o: Order) => void): (() => void) => {
    const w = { status, tell };
    const set = watchers.get(id) ?? new Set();
    watchers.set(id, set);
    set.add(w);
    timer ??= setInterval(() => void poll(), STATUS_POLL_MS);
    timer.unref();
    return () => {
      set.delete(w);
      if (!set.size) watchers.delete(id);
      if (!watchers.size && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  };
}
