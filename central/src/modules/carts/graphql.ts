import {
  automergeUrlForDoc,
  cartDocId,
  FULFILMENT_TYPES,
  parseOrThrow,
  ValidationError,
  type CartDoc,
} from '@storefleet/shared';
import type { HubDocs } from '../../kernel/module-contract.js';
import type { GraphqlContext, GraphqlContribution } from '../../kernel/graphql/types.js';
import { callerOf } from '../../kernel/graphql/caller.js';
import { latestOf } from '../../kernel/graphql/subscriptions.js';
import type { Caller } from '../../kernel/principal.js';
import type { CartService } from './cart-service.js';
import { cartLineBody, customerParam, fulfilmentBody, quantityBody } from './routes.js';

const typeDefs = /* GraphQL */ `
  "How an order from the cart will reach the customer."
  enum FulfilmentType { SHIP PICKUP CURBSIDE DELIVERY }
  "A customer's cart: the same Automerge document stores edit at their lanes and REST's /api/carts/{customerId} shows."
  type Cart {
    customerId: ID!
    "The cart's document for an automerge-repo client (the hub's /automerge socket)."
    automergeUrl: String!
    lines: [CartLine!]!
    fulfilment: Fulfilment!
    "Before promotions, minor units."
    subtotalMinor: Int!
    "What promotions take off (0 in a hub without pricing)."
    discountMinor: Int!
    totalMinor: Int!
    currency: String!
  }
  type CartLine { sku: ID!  name: String!  qty: Int!  unitPriceMinor: Int!  lineTotalMinor: Int! }
  "SHIP has no store; the others are at (or from) storeId."
  type Fulfilment { type: FulfilmentType!  storeId: ID }
  extend type Query {
    "A customer: their own cart (customerId left out, or theirs; anyone else's is NOT_FOUND). Staff: by id, as REST."
    cart(customerId: ID): Cart
  }
  extend type Mutation {
    addToCart(sku: ID!, qty: Int = 1, customerId: ID): Cart!
    "0 removes the line."
    setCartQuantity(sku: ID!, qty: Int!, customerId: ID): Cart!
    removeFromCart(sku: ID!, customerId: ID): Cart!
    setFulfilment(type: FulfilmentType!, storeId: ID, customerId: ID): Cart!
  }
  type Subscription {
    "The cart each time it changes (REST, GraphQL, a store's lane, an automerge-repo client), first as it is now."
    cartChanged(customerId: ID): Cart!
  }
`;

/** The cart a call names: a customer's own when left out (staff must name one); validated as REST validates it. */
export function cartCustomerId(caller: Caller, customerId: unknown): string {
  if (customerId == null) {
    if (caller.kind === 'customer') return caller.customerId;
    throw new ValidationError('customerId is required: whose cart?', [{ path: 'customerId', message: 'required' }]);
  }
  return parseOrThrow(customerParam, { customerId }, 'customer id').customerId;
}

type PricedCart = Awaited<ReturnType<CartService['pricedView']>>;

/** REST's priced cart as GraphQL's `Cart`. */
export function cartObject(c: PricedCart) {
  const subtotal = c.priced ? c.priced.grossMinor : c.subtotalMinor;
  return {
    customerId: c.customerId,
    automergeUrl: automergeUrlForDoc(cartDocId(c.customerId)),
    lines: c.lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      qty: l.qty,
      unitPriceMinor: l.unitPriceMinor,
      lineTotalMinor: l.totalMinor,
    })),
    fulfilment: { type: c.fulfilment.type, storeId: c.fulfilment.storeId },
    subtotalMinor: subtotal,
    discountMinor: c.priced?.discountMinor ?? 0,
    totalMinor: c.priced ? c.priced.totalMinor : c.subtotalMinor,
    currency: c.priced?.currency ?? c.lines[0]?.currency ?? 'USD',
  };
}

/** At most this many cart states wait unsent for a slow subscriber; only the newest matters, so older ones go. */
const CART_STATES_QUEUED = 1;

/**
 * The carts module's part of `/graphql` (issue #26): the cart and its changes, through the same `CartService` the REST
 * routes use, so the rules are REST's (a customer their own cart only; staff per `CartService.readable`) and a change
 * here is the change REST, stores and automerge-repo clients see.
 */
export function cartsGraphql(carts: CartService, docs: HubDocs): GraphqlContribution {
  const priced = async (caller: Caller, customerId: string) => cartObject(await carts.pricedView(caller, customerId));
  return {
    typeDefs,
    resolvers: {
      Query: {
        cart: (_: unknown, a: { customerId?: string | null }, ctx: GraphqlContext) => {
          const caller = callerOf(ctx);
          return priced(caller, cartCustomerId(caller, a.customerId));
        },
      },
      Mutation: {
        addToCart: async (
          _: unknown,
          a: { sku: string; qty?: number; customerId?: string | null },
          ctx: GraphqlContext,
        ) => {
          const caller = callerOf(ctx);
          const customerId = cartCustomerId(caller, a.customerId);
          const line = parseOrThrow(cartLineBody, { sku: a.sku, qty: a.qty ?? 1 }, 'cart line');
          await carts.add(caller, customerId, line.sku, line.qty);
          return priced(caller, customerId);
        },
        setCartQuantity: async (
          _: unknown,
          a: { sku: string; qty: number; customerId?: string | null },
          ctx: GraphqlContext,
        ) => {
          const caller = callerOf(ctx);
          const customerId = cartCustomerId(caller, a.customerId);
          const { sku } = parseOrThrow(cartLineBody.pick({ sku: true }), { sku: a.sku }, 'cart line');
          const { qty } = parseOrThrow(quantityBody, { qty: a.qty }, 'quantity');
          await carts.setQty(caller, customerId, sku, qty);
          return priced(caller, customerId);
        },
        removeFromCart: async (_: unknown, a: { sku: string; customerId?: string | null }, ctx: GraphqlContext) => {
          const caller = callerOf(ctx);
          const customerId = cartCustomerId(caller, a.customerId);
          const { sku } = parseOrThrow(cartLineBody.pick({ sku: true }), { sku: a.sku }, 'cart line');
          await carts.setQty(caller, customerId, sku, 0);
          return priced(caller, customerId);
        },
        setFulfilment: async (
          _: unknown,
          a: { type: string; storeId?: string | null; customerId?: string | null },
          ctx: GraphqlContext,
        ) => {
          const caller = callerOf(ctx);
          const customerId = cartCustomerId(caller, a.customerId);
          const f = parseOrThrow(fulfilmentBody, { type: a.type, storeId: a.storeId ?? null }, 'fulfilment');
          await carts.setFulfilment(caller, customerId, f);
          return priced(caller, customerId);
        },
      },
      Subscription: {
        cartChanged: {
          // Authorized once, as `cart` is (refused before anything is sent), then the cart as it is and at each change.
          subscribe: async (_: unknown, a: { customerId?: string | null }, ctx: GraphqlContext) => {
            const caller = callerOf(ctx);
            const customerId = cartCustomerId(caller, a.customerId);
            const first = await priced(caller, customerId);
            return latestOf<ReturnType<typeof cartObject>>((push, fail) => {
              push(first);
              return docs.subscribe<CartDoc>(cartDocId(customerId), () => {
                priced(caller, customerId).then(push, fail);
              });
            }, CART_STATES_QUEUED);
          },
          resolve: (cart: ReturnType<typeof cartObject>) => cart,
        },
      },
      FulfilmentType: Object.fromEntries(FULFILMENT_TYPES.map((t) => [t, t])),
    },
  };
}
