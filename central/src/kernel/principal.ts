import type { StoreId, UserId } from '@storefleet/shared';

export type Role = 'ADMIN' | 'STORE_MANAGER' | 'ASSOCIATE';
export const ROLES: readonly Role[] = ['ADMIN', 'STORE_MANAGER', 'ASSOCIATE'];

/** Who is calling: a store node (its own credential) or a person (a console session). */
export type Principal =
  | { readonly kind: 'store'; readonly storeId: StoreId }
  | { readonly kind: 'user'; readonly userId: UserId; readonly role: Role; readonly storeId: StoreId | null };

/**
 * A signed-in customer (issue #26): their web or app session, a token of their own (`sfc_…` as a bearer, or the
 * `sf_customer` cookie), never a console session. It is not a `Principal`: the staff routes see a customer as nobody
 * signed in (401), and only the routes and documents meant for customers take one (`customerOf(req)`, `Caller`).
 */
export interface CustomerPrincipal {
  readonly kind: 'customer';
  readonly customerId: string;
  /** The session this call came with (so "sign out" ends this one, "sign out everywhere" all of them). */
  readonly sessionId: string;
}

/** Whoever may open a document: staff (a person or a store) or a customer (their own cart). */
export type Caller = Principal | CustomerPrincipal;

/** The prefix of a customer's session token, so the hub tells it from a staff or store token before looking it up. */
export const CUSTOMER_TOKEN_PREFIX = 'sfc_';
/** The cookie the customer web page's session travels in (httpOnly, SameSite=Lax). */
export const CUSTOMER_COOKIE = 'sf_customer';

/** Where an anonymous call came from: its client address and its route (method and path, no query). */
export interface AnonymousOrigin {
  readonly address: string;
  readonly route: string;
}

/**
 * A stable id for scoping per-caller state (idempotency keys). A signed-in caller is its store or user id; an
 * anonymous caller is its client address plus the route, so two anonymous clients that happen to use the same key
 * never get (or block) each other's answers.
 */
export function principalKey(p: Caller | undefined, origin: AnonymousOrigin): string {
  if (!p) return `anonymous:${origin.address} ${origin.route}`;
  if (p.kind === 'customer') return `customer:${p.customerId}`;
  return p.kind === 'store' ? `store:${p.storeId}` : `user:${p.userId}`;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** The signed-in customer, set by the hub's authentication when a customer's session came with the call. */
    customer?: CustomerPrincipal;
  }
}
