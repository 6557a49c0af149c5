import type { Request, Response } from 'express';
import type DataLoader from 'dataloader';
import type { CustomerPrincipal, Principal } from '../principal.js';

/**
 * The GraphQL gateway's contract with modules (issue #26). The hub serves one schema at `/graphql` (graphql-yoga over
 * graphql-js; subscriptions over graphql-ws on the same path), stitched from what each module contributes from its
 * own folder (`HubModule.graphql`), the way modules contribute console pages: a module declares its types and
 * `extend type Query/Mutation/Subscription` or `extend type Product { … }` (a module adds fields to another module's
 * type by name, never by importing it), and resolvers for them. Look-ups go through `ctx.loader(...)` so a list
 * query makes one call per kind of thing, not one per item.
 */
export interface GraphqlContribution {
  /** SDL: the module's types, and `extend type …` for the fields it adds to others (`Query`, `Product`…). */
  readonly typeDefs: string;
  /** graphql-tools style resolver map: `{ Query: { product: (root, args, ctx) => … }, Product: { price: … } }`. */
  // biome-ignore lint/suspicious/noExplicitAny: resolvers are typed by each module against its own SDL
  readonly resolvers: Record<string, Record<string, any>>;
}

/** What every resolver gets as its third argument, made once per request (and once per subscription). */
export interface GraphqlContext {
  /** A console user or a store's token, as on REST; undefined for a customer or nobody. */
  readonly principal: Principal | undefined;
  /** The signed-in customer (their web or app session), else undefined. */
  readonly customer: CustomerPrincipal | undefined;
  /**
   * A DataLoader for this request, one per `name` (made by `batch` on first use): `batch` gets the keys asked for in
   * one tick and answers one value (or an Error) per key, in the keys' order. Loaders live for one request only, so
   * nothing cached leaks between callers.
   */
  loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>): DataLoader<K, V>;
  /** The HTTP request (undefined over a socket) and response (to set the customer's cookie on sign-in). */
  readonly req: Request | undefined;
  readonly res: Response | undefined;
  /** The hub's clock (epoch ms). */
  readonly now: () => number;
}

/**
 * The error codes a GraphQL answer carries in `errors[].extensions.code`, mapped from the hub's errors as REST maps
 * them to statuses: UNAUTHENTICATED (401), FORBIDDEN (403), NOT_FOUND (404), BAD_USER_INPUT (400/422), CONFLICT (409),
 * RATE_LIMITED (429), UNAVAILABLE (503), QUERY_TOO_DEEP / QUERY_TOO_COSTLY (refused before running), INTERNAL
 * (anything else; the message is generic and the error is logged).
 */
export type GraphqlErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COSTLY'
  | 'INTERNAL';
