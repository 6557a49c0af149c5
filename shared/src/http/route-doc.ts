import type { z } from 'zod';

/**
 * What a route says about itself for the OpenAPI document (issue #26): the hub and the store node build
 * `/openapi.json` by walking their express routers and reading the `RouteDoc` each route carries (`apiDoc(...)` as the
 * route's first handler), so the document cannot drift from the routes: a route without one fails
 * `central/tests/openapi-coverage.test.ts` (and the store node's). The zod schemas named here are the ones the route's
 * handler validates with (hoisted to constants the handler also uses), never a second copy.
 */
export interface RouteDoc {
  /** One line a person reads in the docs page's list ("Add a line to a customer's cart"). */
  readonly summary: string;
  /** More, when the rules need saying (who may, what is refused, what is idempotent). */
  readonly description?: string;
  /** The group in the docs page; the module's name when left out (the generator fills it). */
  readonly tags?: readonly string[];
  /** Path parameters (`:customerId` → `{customerId}`); a parameter without a schema is documented as a string. */
  readonly params?: z.ZodObject;
  /** The query string's fields. */
  readonly query?: z.ZodObject;
  /** A JSON request body. */
  readonly body?: z.ZodType;
  /** A body that is not JSON (`application/octet-stream`, a CSV, an OCI blob): its media types. */
  readonly rawBody?: readonly string[];
  /**
   * What it answers, by status: a schema for a JSON body (validated against real answers by the tests), or a media
   * type for a body that is not JSON. Errors (4xx/5xx problem+json) are added by the generator; list one here only to
   * describe when it happens (`409: 'already cancelled'`).
   */
  readonly responses?: Readonly<Record<number, RouteAnswer>>;
  /**
   * Who may call it, as the authorization matrix says: `public` (nobody signed in), `customer` (a signed-in
   * customer's session), `staff` (a console user or a store's token), `store` (a store's token only), `admin`.
   * Several when several may. Defaults to `staff`.
   */
  readonly access?: readonly RouteAccess[];
  readonly deprecated?: boolean;
}

export type RouteAccess = 'public' | 'customer' | 'staff' | 'store' | 'admin';

export type RouteAnswer =
  | z.ZodType
  | string
  | { readonly description: string; readonly schema?: z.ZodType; readonly mediaType?: string };

/** The property a documented handler carries its `RouteDoc` under. */
export const ROUTE_DOC = Symbol.for('storefleet.routeDoc');

export type DocumentedHandler = ((req: unknown, res: unknown, next: () => void) => void) & {
  readonly [ROUTE_DOC]: RouteDoc;
};

/**
 * A route's documentation as its first handler: `r.post('/carts/:customerId/lines', apiDoc({ ... }), handler)`. It
 * only describes (calls `next()`); the handler validates with the same schemas.
 */
export function apiDoc(doc: RouteDoc): DocumentedHandler {
  const handler = (_req: unknown, _res: unknown, next: () => void): void => next();
  return Object.assign(handler, { [ROUTE_DOC]: doc }) as DocumentedHandler;
}

/** The `RouteDoc` of a handler `apiDoc` made, else undefined. */
export function routeDocOf(handler: unknown): RouteDoc | undefined {
  if (typeof handler !== 'function') return undefined;
  return (handler as Partial<DocumentedHandler>)[ROUTE_DOC];
}
