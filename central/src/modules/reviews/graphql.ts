import { ValidationError } from '@storefleet/shared';
import type { GraphqlContext, GraphqlContribution, HubContext } from '../../kernel/module-contract.js';

const MAX_REVIEWS = 50;

const typeDefs = /* GraphQL */ `
  "A published review (approved by moderation); the author shows as first name and initial."
  type Review {
    id: ID!
    rating: Int!
    title: String
    body: String!
    author: String!
    createdAt: String!
  }
  "The average of a product's published ratings (1–5) and how many there are."
  type Rating {
    average: Float!
    count: Int!
  }
  extend type Product {
    "Its published reviews, newest first."
    reviews(first: Int = 10): [Review!]!
    "Null while it has no published review."
    rating: Rating
  }
`;

interface ReviewNode {
  readonly id: string;
  readonly rating: number;
  readonly title: string;
  readonly body: string;
  readonly author: string;
  readonly createdAt: string;
}

/**
 * The reviews' part of `/graphql`: a product's published reviews and its rating, read from the per-product
 * summaries the module keeps current. Whatever the number of products listed, `rating` is one read and `reviews`
 * one read per `first` asked (the newest `first` of each product through a window over the shown-reviews index).
 * Nothing in review, rejected or deleted shows, and nothing of the author but the name the module shows everyone.
 */
export function reviewsGraphql(ctx: HubContext): GraphqlContribution {
  const ratings = (gql: GraphqlContext) =>
    gql.loader<string, { average: number; count: number } | null>('reviews.rating', async (skus) => {
      const { rows } = await ctx.db.query<{ sku: string; n1: number; n2: number; n3: number; n4: number; n5: number }>(
        'SELECT sku, n1, n2, n3, n4, n5 FROM review_summaries WHERE sku = ANY($1::text[])',
        [skus],
      );
      const bySku = new Map(
        rows.map((r) => {
          const h = [r.n1, r.n2, r.n3, r.n4, r.n5].map(Number);
          const count = h.reduce((a, n) => a + n, 0);
          const sum = h.reduce((a, n, i) => a + n * (i + 1), 0);
          return [r.sku, count > 0 ? { average: Math.round((sum / count) * 100) / 100, count } : null];
        }),
      );
      return skus.map((sku) => bySku.get(sku) ?? null);
    });
  const newest = (gql: GraphqlContext, first: number) =>
    gql.loader<string, ReviewNode[]>(`reviews.newest:${first}`, async (skus) => {
      const { rows } = await ctx.db.query<{
        sku: string;
        id: string;
        rating: number;
        title: string;
        body: string;
        author_name: string;
        created_at: string;
      }>(
        `SELECT sku, id, rating, title, body, author_name, created_at FROM (
           SELECT sku, id, rating, title, body, author_name, created_at,
                  row_number() OVER (PARTITION BY sku ORDER BY created_at DESC, id DESC) AS rank
             FROM reviews WHERE sku = ANY($1::text[]) AND status = 'APPROVED'
         ) shown WHERE rank <= $2 ORDER BY sku, rank`,
        [skus, first],
      );
      const bySku = new Map<string, ReviewNode[]>(skus.map((s) => [s, []]));
      for (const r of rows) {
        bySku.get(r.sku)?.push({
          id: r.id,
          rating: Number(r.rating),
          title: r.title,
          body: r.body,
          author: r.author_name,
          createdAt: new Date(Number(r.created_at)).toISOString(),
        });
      }
      return skus.map((s) => bySku.get(s) ?? []);
    });
  return {
    typeDefs,
    resolvers: {
      Product: {
        rating: (p: { sku: string }, _: unknown, gql: GraphqlContext) => ratings(gql).load(p.sku),
        reviews: (p: { sku: string }, args: { first?: number | null }, gql: GraphqlContext) => {
          const first = args.first ?? 10;
          if (first < 1 || first > MAX_REVIEWS)
            throw new ValidationError(`first must be 1 to ${MAX_REVIEWS}, not ${first}`);
          return newest(gql, first).load(p.sku);
        },
      },
    },
  };
}
