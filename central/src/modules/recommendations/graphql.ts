import { ValidationError } from '@storefleet/shared';
import type { GraphqlContext, GraphqlContribution, HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import type { RecsServing } from './serving.js';

const MAX_RECS = 20;

const typeDefs = /* GraphQL */ `
  extend type Product {
    "Products to show beside this one (the product page's list), personal for a signed-in customer."
    recommendations(first: Int = 10): [Product!]!
  }
`;

/**
 * The recommendations' part of `/graphql`: `Product.recommendations` is the product page's list as REST serves it
 * (the same serving, its impression recorded). Each product asked for is its own serving (the lists are per anchor,
 * and ranked per request); the gateway's cost rule bounds how many one request may ask for, and the products named
 * are read in one go through the request's `catalog.product` loader.
 */
export function recommendationsGraphql(ctx: HubContext, serving: RecsServing): GraphqlContribution {
  const catalog = ctx.services.get(CATALOG_PRODUCTS);
  return {
    typeDefs,
    resolvers: {
      Product: {
        recommendations: async (p: { sku: string }, args: { first?: number | null }, gql: GraphqlContext) => {
          const first = args.first ?? 10;
          if (first < 1 || first > MAX_RECS) throw new ValidationError(`first must be 1 to ${MAX_RECS}, not ${first}`);
          const customerId = gql.customer?.customerId ?? null;
          const answer = await serving.recommend({
            surface: 'product',
            customerId,
            sessionId: null,
            skus: [p.sku],
            storeId: null,
            limit: first,
            servedTo: customerId ? `customer:${customerId}` : null,
          });
          const products = gql.loader<string, unknown>('catalog.product', async (skus) => {
            const found = await catalog.many(skus);
            return skus.map((sku) => found.get(sku) ?? null);
          });
          const items = await products.loadMany(answer.items.map((i) => i.sku));
          return items.filter((x) => x !== null && !(x instanceof Error));
        },
      },
    },
  };
}
