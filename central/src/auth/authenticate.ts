import type { Request, RequestHandler, Response } from 'express';
import { presentedCredential, readCookie, UnauthorizedError, ValidationError } from '@storefleet/shared';
import type { AuthService } from './auth-service.js';

export const SESSION_COOKIE = 'sf_session';

/** Where a stale or unreadable credential must not stand in the way: signing in, signing out, a store's exchange. */
const SIGN_IN_ROUTES: ReadonlySet<string> = new Set(['POST /auth/login', 'POST /auth/logout', 'POST /auth/store-token']);

const presentsBearer = (req: Request) => {
  const authorization = req.get('Authorization');
  return authorization?.startsWith('Bearer ') === true && authorization.slice(7).trim() !== '';
};

/** Expires the session cookie in the browser (the same attributes it was set with). */
export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' });
}

/** A cookie that cannot be decoded (a 400 from the shared reader, or the URIError of a reader that lets it out). */
const unreadable = (err: unknown) => err instanceof ValidationError || err instanceof URIError;

/** The session cookie's value, or undefined when absent or not readable (a broken cookie is no session). */
export function sessionCookieOf(req: Request): string | undefined {
  try {
    return readCookie(req.get('Cookie'), SESSION_COOKIE);
  } catch (err) {
    if (unreadable(err)) return undefined;
    throw err;
  }
}

/**
 * Sets `req.principal` from `Authorization: Bearer …` (a store token or a session token) or the session cookie.
 * No credential → anonymous (routes decide); a credential that is present but not valid → 401 at once, so a client
 * with a stale token learns why instead of getting a confusing 403 later. Except on the sign-in routes: there a stale
 * credential (a session ended by a password reset, say) is ignored and, when it came as the cookie, cleared with a
 * Set-Cookie that expires it — otherwise the old cookie would keep its owner from signing in again.
 */
export function authenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    try {
      const credential = presentedCredential(req.get('Authorization'), req.get('Cookie'), SESSION_COOKIE);
      if (credential) req.principal = await auth.principalFor(credential);
    } catch (err) {
      const stale = err instanceof UnauthorizedError || unreadable(err);
      if (!stale || !SIGN_IN_ROUTES.has(`${req.method} ${req.path}`)) throw err;
      if (!presentsBearer(req)) clearSessionCookie(res);
    }
    next();
  };
}
