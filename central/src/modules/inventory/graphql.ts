import { isUuid, ValidationError } from '@storefleet/shared';
import { distanceKmSql, withinBoxSql } from '../../kernel/geo-sql.js';
import { storeLoader } from '../../kernel/graphql/hub-stores.js';
import type { GraphqlContext, GraphqlContribution, HubContext } from '../../kernel/module-contract.js';
import { NEARBY_MAX_KM } from './repository.js';

/** At or below this many available, a product shows as LOW (a shopper's "only a few left"). */
export const LOW_STOCK_AT = 5;
const MAX_NEARBY = 20;

const typeDefs = /* GraphQL */ `
  enum StockLevel { IN_STOCK LOW OUT_OF_STOCK }
  "What a store can promise of a product now (on hand − reserved − safety stock)."
  type StoreStock {
    storeId: ID!
    store: Store
    available: Int!
    "OUT_OF_STOCK at 0, LOW at ${LOW_STOCK_AT} or fewer, else IN_STOCK."
    level: StockLevel!
  }
  extend type Product {
    "Stock at one store; null when storeId names no store."
    availability(storeId: ID!): StoreStock
    """
    The stores within radiusKm of the given one (by their coordinates, that store left out) that have it, nearest
    first; at most ${NEARBY_MAX_KM} km, as REST's GET /api/inventory/nearby.
    """
    nearby(storeId: ID!, first: Int = 5, radiusKm: Float = ${NEARBY_MAX_KM}): [StoreStock!]!
  }
`;

interface StoreStockNode {
  readonly storeId: string;
  readonly available: number;
  readonly level: 'IN_STOCK' | 'LOW' | 'OUT_OF_STOCK';
}

const levelOf = (available: number): StoreStockNode['level'] =>
  available <= 0 ? 'OUT_OF_STOCK' : available <= LOW_STOCK_AT ? 'LOW' : 'IN_STOCK';
const node = (storeId: string, available: number): StoreStockNode => ({
  storeId,
  available,
  level: levelOf(available),
});

/**
 * The inventory's part of `/graphql`: a product's stock at a store and at the stores nearest it. However many
 * products a request lists, `availability` is one read (loader `inventory.stock`, keys `storeId|sku`) and `nearby`
 * one read per (store, first, radius) asked. That read is bounded as REST's nearby is: only the stores inside the
 * radius (a lat/lon box first, then the great circle, kernel/geo-sql's fragments) are joined with the stock, and
 * each product keeps its nearest `first` of them, so a fleet of thousands of stores costs what its neighbours cost.
 */
export function inventoryGraphql(ctx: HubContext): GraphqlContribution {
  const stock = (gql: GraphqlContext) =>
    gql.loader<string, StoreStockNode | null>('inventory.stock', async (keys) => {
      const pairs = keys.map((k) => {
        const at = k.indexOf('|');
        return { storeId: k.slice(0, at), sku: k.slice(at + 1) };
      });
      const asked = pairs.filter((p) => isUuid(p.storeId));
      const { rows } = asked.length
        ? await ctx.db.query<{ store_id: string; sku: string; available: number | null }>(
            `SELECT l.id AS store_id, k.sku, GREATEST(s.on_hand - s.reserved - s.safety, 0) AS available
               FROM unnest($1::uuid[], $2::text[]) AS k(store_id, sku)
               JOIN locations l ON l.id = k.store_id AND l.kind = 'STORE'
               LEFT JOIN inventory_stock s ON s.store_id = k.store_id AND s.sku = k.sku`,
            [asked.map((p) => p.storeId), asked.map((p) => p.sku)],
          )
        : { rows: [] };
      const found = new Map(rows.map((r) => [`${r.store_id}|${r.sku}`, Number(r.available ?? 0)]));
      return pairs.map((p) => {
        const available = found.get(`${p.storeId}|${p.sku}`);
        return available === undefined ? null : node(p.storeId, available);
      });
    });
  const nearby = (gql: GraphqlContext, storeId: string, first: number, radiusKm: number) =>
    gql.loader<string, StoreStockNode[]>(`inventory.nearby:${storeId}:${first}:${radiusKm}`, async (skus) => {
      const { rows } = isUuid(storeId)
        ? await ctx.db.query<{ sku: string; store_id: string; available: number }>(
            `WITH near AS (
               SELECT l.id, l.code, ${distanceKmSql('o.lat', 'o.lon', 'l.lat', 'l.lon')} AS km
                 FROM locations o
                 JOIN locations l ON l.kind = 'STORE' AND l.id <> o.id
                  AND ${withinBoxSql('l.lat', 'l.lon', 'o.lat', 'o.lon', '$4::float8')}
                WHERE o.id = $1::uuid
             )
             SELECT sku, store_id, available FROM (
               SELECT s.sku, n.id AS store_id, s.on_hand - s.reserved - s.safety AS available,
                      row_number() OVER (PARTITION BY s.sku ORDER BY n.km, n.code) AS rank
                 FROM near n
                 JOIN inventory_stock s ON s.store_id = n.id AND s.sku = ANY($2::text[])
                WHERE n.km <= $4::float8 AND s.on_hand - s.reserved - s.safety > 0
             ) ranked WHERE rank <= $3 ORDER BY sku, rank`,
            [storeId, skus, first, radiusKm],
          )
        : { rows: [] };
      const bySku = new Map<string, StoreStockNode[]>(skus.map((s) => [s, []]));
      for (const r of rows) bySku.get(r.sku)?.push(node(r.store_id, Number(r.available)));
      return skus.map((s) => bySku.get(s) ?? []);
    });
  return {
    typeDefs,
    resolvers: {
      Product: {
        availability: (p: { sku: string }, args: { storeId: string }, gql: GraphqlContext) =>
          stock(gql).load(`${args.storeId}|${p.sku}`),
        nearby: (
          p: { sku: string },
          args: { storeId: string; first?: number | null; radiusKm?: number | null },
          gql: GraphqlContext,
        ) => {
          const first = args.first ?? 5;
          if (first < 1 || first > MAX_NEARBY)
            throw new ValidationError(`first must be 1 to ${MAX_NEARBY}, not ${first}`);
          const radiusKm = args.radiusKm ?? NEARBY_MAX_KM;
          if (!(radiusKm > 0 && radiusKm <= NEARBY_MAX_KM))
            throw new ValidationError(`radiusKm must be above 0 and at most ${NEARBY_MAX_KM}, not ${radiusKm}`);
          return nearby(gql, args.storeId, first, radiusKm).load(p.sku);
        },
      },
      StoreStock: {
        store: (s: StoreStockNode, _: unknown, gql: GraphqlContext) => storeLoader(gql, ctx.db).load(s.storeId),
      },
    },
  };
}
