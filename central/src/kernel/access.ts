import type { Request, RequestHandler } from 'express';
import { ForbiddenError, NotFoundError, UnauthorizedError, type StoreId } from '@storefleet/shared';
import type { CustomerPrincipal, Principal, Role } from './principal.js';

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthorizedError();
  return req.principal;
}

/**
 * The signed-in customer (issue #26): their session token (`sfc_…` bearer) or the `sf_customer` cookie. Staff and
 * stores are not customers here: 401 for them too.
 */
export function customerOf(req: Request): CustomerPrincipal {
  if (!req.customer)
    throw new UnauthorizedError('sign in as a customer: a customer session token or cookie is required');
  return req.customer;
}

/** Throws unless the caller is a console user with one of `roles`. Store credentials never pass. */
export function assertRole(req: Request, ...roles: Role[]): Principal {
  const p = principalOf(req);
  if (p.kind !== 'user' || !roles.includes(p.role))
    throw new ForbiddenError(`this action needs the role ${roles.join(' or ')}`);
  return p;
}

/** Route guard: a console user with one of `roles`. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    assertRole(req, ...roles);
    next();
  };
}

export const requireAuth: RequestHandler = (req, _res, next) => {
  principalOf(req);
  next();
};

/** Head office: an ADMIN console user, who reaches every store's data. */
export function isHeadOffice(p: Principal): boolean {
  return p.kind === 'user' && p.role === 'ADMIN';
}

/**
 * The store a caller acts for when it is not head office: a store's own credential, or a console user of that store.
 * Null for head office and for a non-admin user who belongs to no store (who then owns no store's data).
 */
export function storeOf(p: Principal): StoreId | null {
  if (p.kind === 'store') return p.storeId;
  return p.role === 'ADMIN' ? null : p.storeId;
}

/** An entity to report as missing instead of refusing, so a caller cannot tell "not yours" from "does not exist". */
export interface Hidden {
  readonly entity: string;
  readonly id: string;
}

/**
 * Whether the caller may act for one of `storeIds` (the stores that own a record): head office always, a store or
 * a store's user only for its own store. Nulls (no such store) own nothing.
 */
export function ownsAny(p: Principal, storeIds: readonly (string | null | undefined)[]): boolean {
  if (isHeadOffice(p)) return true;
  const mine = storeOf(p);
  return mine !== null && storeIds.includes(mine);
}

/**
 * Throws unless the caller is head office or acts for one of `storeIds`. With `hide`, the refusal is the
 * NotFoundError a missing `hide.entity` gets (a 404 that reveals nothing); without, a ForbiddenError (403).
 */
export function assertOwner(req: Request, storeIds: readonly (string | null | undefined)[], hide?: Hidden): Principal {
  const p = principalOf(req);
  if (ownsAny(p, storeIds)) return p;
  if (hide) throw new NotFoundError(hide.entity, hide.id);
  throw new ForbiddenError(`no access to store ${storeIds.filter(Boolean).join(' or ') || '(none)'}`);
}

/**
 * Throws unless the caller may act on `storeId`: that store's own credential, an ADMIN, or a user of that store.
 * Every store-scoped route calls this; it is what keeps store A out of store B's data. `hide` as for `assertOwner`.
 */
export function assertStoreAccess(req: Request, storeId: string, hide?: Hidden): Principal {
  const p = principalOf(req);
  if (ownsAny(p, [storeId])) return p;
  if (hide) throw new NotFoundError(hide.entity, hide.id);
  throw new ForbiddenError(`no access to store ${storeId}`);
}
