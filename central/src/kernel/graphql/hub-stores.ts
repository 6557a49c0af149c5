import { isUuid } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { distanceKmSql } from '../geo-sql.js';
import type { GraphqlContext, GraphqlContribution } from './types.js';
import { MAX_FIRST, pageFirst } from './limits.js';

/** A store as GraphQL shows it; `distanceKm` only when asked from another store. */
export interface StoreNode {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly distanceKm: number | null;
}

const typeDefs = /* GraphQL */ `
  "A store of the fleet (a distribution centre is not a store)."
  type Store {
    id: ID!
    code: String!
    name: String!
    "Great-circle distance from the store named in stores(nearStoreId:), else null."
    distanceKm: Float
  }
  extend type Query {
    "Stores, nearest the given store first (that store included, at 0 km), else by code; first is 1 to ${MAX_FIRST}."
    stores(nearStoreId: ID, first: Int = 20): [Store!]!
  }
`;

/** The per-request loader of stores by id (`hub.store`); any module may ask for it with the same batch. */
export function storeLoader(ctx: GraphqlContext, db: Queryable) {
  return ctx.loader<string, StoreNode | null>('hub.store', async (ids) => {
    const wanted = ids.filter(isUuid);
    const { rows } = wanted.length
      ? await db.query<{ id: string; code: string; name: string }>(
          "SELECT id, code, name FROM locations WHERE kind = 'STORE' AND id = ANY($1::uuid[])",
          [wanted],
        )
      : { rows: [] };
    const byId = new Map(rows.map((r) => [r.id, { ...r, distanceKm: null }]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * The hub core's part of the schema: `Store`, `Query.stores`, and `Fulfilment.store` (dropped by the gateway when no
 * module defines `Fulfilment`). Stores come
 * from the fleet's `locations` table, the hub's own; nearest by the haversine distance between their coordinates.
 */
export function hubStores(db: Queryable): GraphqlContribution {
  return {
    typeDefs: `${typeDefs}\nextend type Fulfilment { store: Store }\n`,
    resolvers: {
      Query: {
        stores: async (_: unknown, args: { nearStoreId?: string | null; first?: number | null }) => {
          const first = pageFirst(args.first, 20, MAX_FIRST);
          if (args.nearStoreId != null) {
            if (!isUuid(args.nearStoreId)) return [];
            const { rows } = await db.query<{ id: string; code: string; name: string; km: number }>(
              `SELECT l.id, l.code, l.name, ${distanceKmSql('o.lat', 'o.lon', 'l.lat', 'l.lon')} AS km
                 FROM locations o JOIN locations l ON l.kind = 'STORE'
                WHERE o.id = $1::uuid
                ORDER BY km, l.code LIMIT $2`,
              [args.nearStoreId, first],
            );
            return rows.map((r) => ({
              id: r.id,
              code: r.code,
              name: r.name,
              distanceKm: Math.round(r.km * 100) / 100,
            }));
          }
          const { rows } = await db.query<{ id: string; code: string; name: string }>(
            "SELECT id, code, name FROM locations WHERE kind = 'STORE' ORDER BY code LIMIT $1",
            [first],
          );
          return rows.map((r) => ({ ...r, distanceKm: null }));
        },
      },
      Fulfilment: {
        store: (f: { storeId?: string | null }, _: unknown, ctx: GraphqlContext) =>
          f.storeId ? storeLoader(ctx, db).load(f.storeId) : null,
      },
    },
  };
}
