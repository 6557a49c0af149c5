import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '@storefleet/shared';
import type { Principal, Role } from './principal.js';

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthorizedError();
  return req.principal;
}

/** Throws unless the caller is a console user with one of `roles`. Store credentials never pass. */
export function assertRole(req: Request, ...roles: Role[]): Principal {
  const p = principalOf(req);
  if (p.kind !== 'user' || !roles.includes(p.role)) throw new ForbiddenError(`this action needs the role ${roles.join(' or ')}`);
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

/**
 * Throws unless the caller may act on `storeId`: that store's own credential, an ADMIN, or a user of that store.
 * Every store-scoped route calls this; it is what keeps store A out of store B's data.
 */
export function assertStoreAccess(req: Request, storeId: string): Principal {
  const p = principalOf(req);
  const allowed = p.kind === 'store' ? p.storeId === storeId : p.role === 'ADMIN' || p.storeId === storeId;
  if (!allowed) throw new ForbiddenError(`no access to store ${storeId}`);
  return p;
}
