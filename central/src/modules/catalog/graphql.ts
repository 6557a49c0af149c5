import { ValidationError } from '@storefleet/shared';
import type { GraphqlContext, GraphqlContribution, HubContext } from '../../kernel/module-contract.js';
import { CatalogRepository } from './repository.js';
import type { Product } from './types.js';

/** The largest page `products` answers (the gateway's cost rule counts a variable `first` as this). */
const MAX_PAGE = 100;

const typeDefs = /* GraphQL */ `
  "A product of the catalog, as customers see it."
  type Product {
    sku: ID!
    "GTIN-14, what barcodes scan to."
    gtin: String
    name: String!
    category: String
    description: String
    imageUrl: String
  }
  "A page of products in sku order; next is the cursor for after:, null on the last page."
  type ProductPage {
    items: [Product!]!
    next: String
  }
  extend type Query {
    "Products whose name or brand holds search (or whose sku or barcode it is), in one category if given."
    products(search: String, category: String, first: Int = 20, after: String): ProductPage!
    product(sku: ID!): Product
    categories: [String!]!
  }
  extend type CartLine { product: Product }
  extend type OrderLine { product: Product }
`;

/**
 * The per-request product loader (`catalog.product`: sku → product or null), one read for every sku a request asks
 * for. Other modules make the same loader through the CATALOG_PRODUCTS port under the same name.
 */
export function productLoader(gql: GraphqlContext, ctx: HubContext) {
  return gql.loader<string, Product | null>('catalog.product', async (skus) => {
    const found = await new CatalogRepository(ctx.db).many(skus);
    return skus.map((sku) => found.get(sku) ?? null);
  });
}

const text = (value: string | null | undefined, what: string, max: number): string | undefined => {
  if (value == null || value === '') return undefined;
  if (value.length > max) throw new ValidationError(`${what} is longer than ${max} characters`);
  return value;
};

/** The catalog's read side of `/graphql`: product search and paging, one product, categories, a line's product. */
export function catalogGraphql(ctx: HubContext): GraphqlContribution {
  const repo = () => new CatalogRepository(ctx.db);
  const lineProduct = (line: { sku: string }, _: unknown, gql: GraphqlContext) =>
    productLoader(gql, ctx).load(line.sku);
  return {
    typeDefs,
    resolvers: {
      Query: {
        products: async (
          _: unknown,
          args: { search?: string | null; category?: string | null; first?: number | null; after?: string | null },
          gql: GraphqlContext,
        ) => {
          const first = args.first ?? 20;
          if (first < 1 || first > MAX_PAGE) throw new ValidationError(`first must be 1 to ${MAX_PAGE}, not ${first}`);
          const items = await repo().list({
            q: text(args.search, 'search', 200),
            category: text(args.category, 'category', 200),
            after: text(args.after, 'after', 200),
            limit: first,
          });
          // the products fetched prime the request's loader, so `product` fields further down read nothing again
          for (const p of items) productLoader(gql, ctx).prime(p.sku, p);
          return { items, next: items.length === first ? items.at(-1)!.sku : null };
        },
        product: (_: unknown, args: { sku: string }, gql: GraphqlContext) =>
          args.sku.length > 200 ? null : productLoader(gql, ctx).load(args.sku),
        categories: async () => (await repo().categories()).map((c) => c.category),
      },
      Product: {
        description: () => null,
        imageUrl: () => null,
      },
      CartLine: { product: lineProduct },
      OrderLine: { product: lineProduct },
    },
  };
}
