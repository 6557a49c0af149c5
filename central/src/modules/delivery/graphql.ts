import type { Db } from '../../db/db.js';
import type { GraphqlContext, GraphqlContribution } from '../../kernel/graphql/types.js';
import { DeliveryRepository } from './repository.js';
import type { Delivery } from './types.js';

const typeDefs = /* GraphQL */ `
  "Where a DELIVERY order's delivery is: its status, the window it will arrive in, who brings it."
  type Tracking { status: String!  etaFrom: String  etaTo: String  courier: String }
  extend type Order {
    "Null for an order that is not delivered (or not handed to the delivery desk yet)."
    tracking: Tracking
  }
`;

/**
 * The delivery module's part of `/graphql` (issue #26): `Order.tracking`. The order was authorized by the orders
 * module's resolver (its customer, a store that owns it, head office), so this adds no rule: what it shows is what
 * the customer's tracking page shows (status, window or ETA, the driver's first name), never the route or the carrier's
 * terms. One look-up for every order of a list (loader `delivery.byOrder`).
 */
export function deliveryGraphql(db: Db): GraphqlContribution {
  return {
    typeDefs,
    resolvers: {
      Order: {
        tracking: async (order: { id: string; fulfilment: { type: string } }, _: unknown, ctx: GraphqlContext) => {
          if (order.fulfilment.type !== 'DELIVERY') return null;
          const d = await ctx
            .loader<string, Delivery | null>('delivery.byOrder', (ids) =>
              Promise.all(ids.map(async (id) => (await new DeliveryRepository(db).byOrder(id)) ?? null)),
            )
            .load(order.id);
          if (!d) return null;
          const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
          return {
            status: d.status,
            etaFrom: iso(d.eta ?? d.window.from),
            etaTo: iso(d.window.to),
            courier: d.driver?.name.split(/\s+/)[0] ?? null,
          };
        },
      },
    },
  };
}
