import type { StoreId, UserId } from '@storefleet/shared';

export type Role = 'ADMIN' | 'STORE_MANAGER' | 'ASSOCIATE';
export const ROLES: readonly Role[] = ['ADMIN', 'STORE_MANAGER', 'ASSOCIATE'];

/** Who is calling: a store node (its own credential) or a person (a console session). */
export type Principal =
  | { readonly kind: 'store'; readonly storeId: StoreId }
  | { readonly kind: 'user'; readonly userId: UserId; readonly role: Role; readonly storeId: StoreId | null };

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
export function principalKey(p: Principal | undefined, origin: AnonymousOrigin): string {
  if (!p) return `anonymous:${origin.address} ${origin.route}`;
  return p.kind === 'store' ? `store:${p.storeId}` : `user:${p.userId}`;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}
