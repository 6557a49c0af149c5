import type { Request, RequestHandler, Response } from 'express';
import { presentedCredential, readCookie, UnauthorizedError, ValidationError } from '@storefleet/shared';
import type { AuthService } from './auth-service.js';

export const SESSION_COOKIE = 'sf_session';

/** Where a stale or unreadable credential must not stand in the way: signing in, signing out, a store's exchange. */
const SIGN_IN_ROUTES: ReadonlySet<string> = new Set([
  'POST /auth/login',
  'POST /auth/logout',
  'POST /auth/store-token',
]);

/**
 * The route as the router matches it: express routes case-insensitively and with or without a trailing slash, so
 * `POST /api/Auth/Login/` reaches the sign-in handler and must be recognised as a sign-in route too.
 */
const routeOf = (req: Request) => `${req.method} ${req.path.toLowerCase().replace(/\/+$/, '')}`;
const onSignInRoute = (req: Request) => SIGN_IN_ROUTES.has(routeOf(req));

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
 * with a stale token learns why instead of getting a confusing 403 later. A session cookie that cannot even be decoded
 * is treated as a stale one: a 401 "session cookie unreadable; sign in again" whose Set-Cookie expires it, so the
 * browser (the console) drops it and shows the sign-in form. On the sign-in routes a stale or unreadable credential
 * (a session ended by a password reset, say) is ignored and, when it came as the cookie, cleared — otherwise the old
 * cookie would keep its owner from signing in again. A bearer token is never cleared: the browser did not set it.
 */
export function authenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    let credential: string | undefined;
    try {
      credential = presentedCredential(req.get('Authorization'), req.get('Cookie'), SESSION_COOKIE);
    } catch (err) {
      if (!unreadable(err)) throw err;
      // Only the cookie is decoded (a bearer is taken as sent), so this is the session cookie.
      clearSessionCookie(res);
      if (onSignInRoute(req)) return next();
      throw new UnauthorizedError('session cookie unreadable; sign in again');
    }
    try {
      if (credential) req.principal = await auth.principalFor(credential);
    } catch (err) {
      if (!(err instanceof UnauthorizedError) || !onSignInRoute(req)) throw err;
      if (!presentsBearer(req)) clearSessionCookie(res);
    }
    next();
  };
}
