import type { StoreId, UserId } from '@storefleet/shared';

export type Role = 'ADMIN' | 'STORE_MANAGER' | 'ASSOCIATE';
export const ROLES: readonly Role[] = ['ADMIN', 'STORE_MANAGER', 'ASSOCIATE'];

/** Who is calling: a store node (its own credential) or a person (a console session). */
export type Principal =
  | { readonly kind: 'store'; readonly storeId: StoreId }
  | { readonly kind: 'user'; readonly userId: UserId; readonly role: Role; readonly storeId: StoreId | null };

/** A stable id for scoping per-caller state (idempotency keys, rate limits). */
export function principalKey(p: Principal | undefined): string {
  if (!p) return 'anonymous';
  return p.kind === 'store' ? `store:${p.storeId}` : `user:${p.userId}`;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}
