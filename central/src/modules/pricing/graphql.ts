import { type Currency, formatMoney, NotFoundError } from '@storefleet/shared';
import type { GraphqlContext, GraphqlContribution, HubContext } from '../../kernel/module-contract.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import type { HubPricerService } from './hub-pricer.js';

const typeDefs = /* GraphQL */ `
  "A unit price online, in minor units of its currency."
  type Price {
    "What the caller pays for one: the member price when the signed-in customer holds a loyalty card."
    amountMinor: Int!
    currency: String!
    "amountMinor as a shopper reads it ($1,234.56)."
    formatted: String!
    "What a member pays for one (the same as amountMinor when the product has no member price)."
    memberAmountMinor: Int
  }
  extend type Product {
    "The caller's unit price online (before basket promotions: a multi-buy shows in the cart)."
    price: Price
  }
`;

interface UnitPrice {
  readonly regular: number;
  readonly member: number;
  readonly currency: string;
}

/**
 * The pricing module's part of `/graphql`: `Product.price`, through the same pricer carts and orders use (price
 * books and member prices, online: no store), one pricing of every product a request shows — for non-members and
 * for members — however many products it lists.
 */
export function pricingGraphql(ctx: HubContext, pricer: HubPricerService): GraphqlContribution {
  const prices = (gql: GraphqlContext) =>
    gql.loader<string, UnitPrice | null>('pricing.price', async (skus) => {
      try {
        return await priceAll(skus);
      } catch (err) {
        // a product gone from the catalog between the list and its price: price the others one by one
        if (!(err instanceof NotFoundError)) throw err;
        return Promise.all(skus.map(async (sku) => (await priceAll([sku]).catch(() => [null]))[0] ?? null));
      }
    });
  const priceAll = async (skus: readonly string[]): Promise<(UnitPrice | null)[]> => {
    const lines = skus.map((sku) => ({ sku, qty: 1 }));
    const [regular, member] = await Promise.all([
      pricer.priceLines({ lines, storeId: null, member: false }),
      pricer.priceLines({ lines, storeId: null, member: true }),
    ]);
    return skus.map((sku, i) => {
      const r = regular.lines[i];
      const m = member.lines[i];
      return r && m && r.sku === sku
        ? { regular: r.unitPriceMinor, member: m.unitPriceMinor, currency: regular.currency }
        : null;
    });
  };
  /** Whether the signed-in customer holds a loyalty card (asked once a request). */
  const isMember = (gql: GraphqlContext): Promise<boolean> => {
    const customerId = gql.customer?.customerId;
    const directory = ctx.services.find(CUSTOMER_DIRECTORY);
    if (!customerId || !directory) return Promise.resolve(false);
    return gql
      .loader<string, boolean>('pricing.member', (ids) =>
        Promise.all(ids.map(async (id) => (await directory.get(id))?.loyaltyCard != null)),
      )
      .load(customerId);
  };
  return {
    typeDefs,
    resolvers: {
      Product: {
        price: async (product: { sku: string }, _: unknown, gql: GraphqlContext) => {
          const [unit, member] = await Promise.all([prices(gql).load(product.sku), isMember(gql)]);
          if (!unit) return null;
          const amountMinor = member ? unit.member : unit.regular;
          return {
            amountMinor,
            currency: unit.currency,
            formatted: formatMoney({ minor: amountMinor, currency: unit.currency as Currency }),
            memberAmountMinor: unit.member,
          };
        },
      },
    },
  };
}
