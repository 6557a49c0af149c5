import type { RequestHandler } from 'express';
import { presentedCredential } from '@storefleet/shared';
import type { AuthService } from './auth-service.js';

export const SESSION_COOKIE = 'sf_session';

/**
 * Sets `req.principal` from `Authorization: Bearer …` (a store token or a session token) or the session cookie.
 * No credential → anonymous (routes decide); a credential that is present but not valid → 401 at once, so a client
 * with a stale token learns why instead of getting a confusing 403 later.
 */
export function authenticate(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const credential = presentedCredential(req.get('Authorization'), req.get('Cookie'), SESSION_COOKIE);
    if (credential) req.principal = await auth.principalFor(credential);
    next();
  };
}
